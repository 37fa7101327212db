import type { Socket } from 'node:net';

/**
 * Counts what a socket hands the kernel from now on: one `_write` or `_writev` of a net.Socket is one write(2).
 * For tests of write coalescing, which must be able to tell one write from twenty.
 */
export const countSocketWrites = (socket: Socket): { count: () => number } => {
  let writes = 0;
  const target = socket as unknown as Record<'_write' | '_writev', (...args: unknown[]) => unknown>;
  for (const name of ['_write', '_writev'] as const) {
    const original = target[name].bind(socket);
    target[name] = (...args: unknown[]) => {
      writes += 1;
      return original(...args);
    };
  }
  return { count: () => writes };
};
