import { COALESCE_FLUSH_BYTES, turnCork } from '@shaman/platform';
import type { Socket } from 'node:net';
import type { WebSocket } from 'ws';

type SendCallback = (error?: Error) => void;

/**
 * Makes a WebSocket connection write its frames once per event-loop turn (turn-cork.ts in @shaman/platform).
 * A subscriber to `runsUpdated` gets a frame per status change, the commits behind them arrive in bursts, and
 * one `write(2)` per frame was a sixth of gql-api's CPU under load. `socket` is the TCP socket the connection
 * was upgraded from, which the WebSocket writes to; frames keep their order.
 *
 * graphql-ws sends a subscription's next frame only once the previous send's callback has run, and a corked
 * frame's write completes only when the turn ends: alone, the cork would hold each subscription to one frame
 * per turn and merge nothing. So while less than `COALESCE_FLUSH_BYTES` waits to be written, a send is
 * acknowledged at once (the frame is queued, in order, behind the ones before it); past that, the callback waits
 * for the write as before, which is what keeps a slow reader's backlog bounded. A write that fails later closes
 * the connection, which ends its subscriptions.
 */
export const coalesceFrames = (ws: WebSocket, socket: Socket): void => {
  const cork = turnCork(socket);
  const send = ws.send.bind(ws) as (...args: unknown[]) => void;
  ws.send = ((...args: unknown[]) => {
    cork.before();
    const callback = args.at(-1);
    if (typeof callback === 'function' && args.length > 1 && socket.writableLength < COALESCE_FLUSH_BYTES) {
      send(...args.slice(0, -1));
      queueMicrotask(callback as SendCallback);
    } else {
      send(...args);
    }
    cork.after();
  }) as WebSocket['send'];
};
