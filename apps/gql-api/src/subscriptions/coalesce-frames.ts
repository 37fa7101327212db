import { turnCork } from '@shaman/platform';
import type { Socket } from 'node:net';
import type { WebSocket } from 'ws';

/**
 * Makes a WebSocket connection write its frames once per event-loop turn (turn-cork.ts in @shaman/platform).
 * A subscriber to `runsUpdated` gets a frame per status change, and the commits behind them arrive in bursts:
 * one `write(2)` per frame was a sixth of gql-api's CPU under load. `socket` is the TCP socket the connection
 * was upgraded from, which the WebSocket writes to; frames keep their order and their send callbacks.
 */
export const coalesceFrames = (ws: WebSocket, socket: Socket): void => {
  const cork = turnCork(socket);
  const send = ws.send.bind(ws) as (...args: unknown[]) => void;
  ws.send = ((...args: unknown[]) => {
    cork.before();
    send(...args);
    cork.after();
  }) as WebSocket['send'];
};
