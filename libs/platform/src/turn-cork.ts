import type { Writable } from 'node:stream';

/** Past this much unwritten data a turn's writes go out at once, so a burst streams instead of piling up. */
export const COALESCE_FLUSH_BYTES = 64 * 1024;

/** Brackets each write to a socket: `before` may cork it, `after` releases a burst early. */
export type TurnCork = { before(): void; after(): void };

/**
 * Writes a socket's data once per event-loop turn instead of once per message. On loopback a `write(2)` also
 * does the receiver's TCP work and wakes it, so a turn that sends many small messages (publishes from several
 * continuations, a subscription's frames) paid that once per message. The socket is corked at the first write
 * of a turn and uncorked in `setImmediate` (the check phase: after this turn's I/O callbacks, before the loop
 * waits again), so it never waits for I/O or a timer. Past `COALESCE_FLUSH_BYTES` held, it is released at once.
 */
export const turnCork = (socket: Writable): TurnCork => {
  let corked = false;
  // One uncork per cork: an early release (a burst) leaves the scheduled one nothing to do.
  const release = (): void => {
    if (!corked) return;
    corked = false;
    socket.uncork();
  };
  return {
    before: () => {
      if (corked || socket.destroyed) return;
      corked = true;
      socket.cork();
      setImmediate(release);
    },
    after: () => {
      if (corked && socket.writableLength >= COALESCE_FLUSH_BYTES) release();
    },
  };
};
