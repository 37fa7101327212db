import { NatsConnectionImpl, setTransportFactory, type ConnectionOptions, type NatsConnection } from '@nats-io/transport-node';
// Not re-exported by the package's entry point; the version is pinned exactly in package.json, and
// nats-connect.int.spec.ts fails if the class stops writing through `socket`.
import { NodeTransport, nodeResolveHost } from '@nats-io/transport-node/lib/node_transport.js';
import { natsConnectOptions } from './nats-servers.js';

/** Past this much unwritten data a turn's writes go out at once, so a burst streams instead of piling up. */
export const COALESCE_FLUSH_BYTES = 64 * 1024;

/**
 * The node transport, writing once per event-loop turn instead of once per flush.
 *
 * nats.js flushes its outbound buffer in a microtask, so every continuation that publishes (a step's commit,
 * a delivery's ack, a watcher's reply) costs its own `write(2)`. On loopback a write does the receiver's TCP
 * work too and wakes it: in CPU profiles under load it was the largest single cost of the gateway (9 %) and
 * the executor (23 %), and nats-server paid again in reads. Corking the socket until `setImmediate` (the
 * check phase, after this turn's I/O callbacks and before the loop waits again) turns a turn's publishes
 * into one `writev`. It never waits for I/O or a timer: the write goes out before the loop polls again.
 */
export class CoalescingTransport extends NodeTransport {
  #corked = false;

  override send(frame: Uint8Array): void {
    const socket = this.socket as NodeTransport['socket'] | undefined;
    if (!this.#corked && socket !== undefined && !this.isClosed) {
      this.#corked = true;
      socket.cork();
      setImmediate(() => this.#release(socket));
    }
    super.send(frame);
    if (this.#corked && socket !== undefined && socket.writableLength >= COALESCE_FLUSH_BYTES) this.#release(socket);
  }

  /** One uncork per cork: an early release (a burst) leaves the scheduled one nothing to do. */
  #release(socket: NodeTransport['socket']): void {
    if (!this.#corked) return;
    this.#corked = false;
    socket.uncork();
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
