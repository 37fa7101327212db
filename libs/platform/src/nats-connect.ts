import { NatsConnectionImpl, setTransportFactory, type ConnectionOptions, type NatsConnection } from '@nats-io/transport-node';
// Not re-exported by the package's entry point; the version is pinned exactly in package.json, and
// nats-connect.int.spec.ts fails if the class stops writing through `socket`.
import { NodeTransport, nodeResolveHost } from '@nats-io/transport-node/lib/node_transport.js';
import { natsConnectOptions } from './nats-servers.js';
import { turnCork, type TurnCork } from './turn-cork.js';

/**
 * The node transport, writing once per event-loop turn instead of once per flush (turn-cork.ts).
 *
 * nats.js flushes its outbound buffer in a microtask, so every continuation that publishes (a step's commit,
 * a delivery's ack, a watcher's reply) cost its own `write(2)`: in CPU profiles under load the largest single
 * cost of the gateway (9 %) and the executor (23 %), and nats-server paid again in reads.
 */
export class CoalescingTransport extends NodeTransport {
  #cork: TurnCork | undefined;

  override send(frame: Uint8Array): void {
    const socket = this.socket as NodeTransport['socket'] | undefined;
    // A reconnect makes a new transport, so the socket a cork was made for is this one's for good.
    if (socket !== undefined && !this.isClosed) (this.#cork ??= turnCork(socket)).before();
    super.send(frame);
    this.#cork?.after();
  }
}

/**
 * How every Shaman process connects to NATS: `natsConnectOptions` over the coalescing transport. The transport
 * factory is process-wide in nats.js and read at every (re)connect, so it is set on each call, as the
 * package's own `connect` does. `options` adds to (or overrides) the defaults, e.g. a CLI's `maxReconnectAttempts: 0`.
 */
export const connectNats = (url: string, name: string, options: Omit<ConnectionOptions, 'servers' | 'name'> = {}): Promise<NatsConnection> => {
  setTransportFactory({ factory: () => new CoalescingTransport(), dnsResolveFn: nodeResolveHost });
  return NatsConnectionImpl.connect({ ...natsConnectOptions(url, name), ...options });
};
