import type { McpConnection } from './mcp-connection.js';
import type { ResolvedMcpServer } from './mcp-server-config.js';
import { McpToolsError } from './mcp-tools.error.js';

type Entry = { connection: Promise<McpConnection>; live: McpConnection | null; inFlight: number; lastUsed: number };
type Target = { key: string; server: ResolvedMcpServer; signal: AbortSignal };

export type ConnectionCache = {
  /** Runs `work` on the key's connection, opening it if needed (once, however many callers wait for it). */
  use<T>(target: Target, work: (connection: McpConnection) => Promise<T>): Promise<T>;
  /** Forgets `stale` if it is still the key's connection, and closes it. */
  drop(key: string, stale: McpConnection): Promise<void>;
  close(): Promise<void>;
};

export type ConnectionCacheOptions = {
  open: (server: ResolvedMcpServer, onClose: () => void) => Promise<McpConnection>;
  /** A connection nobody used for this long is closed; 0 keeps connections until `close`. */
  idleTimeoutMs: number;
  now?: () => number;
};

const untilAborted = <T>(work: Promise<T>, signal: AbortSignal): Promise<T> =>
  new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort)).catch(() => undefined);
  });

/**
 * Connections by key. Keys change whenever a definition or secret does, so without the idle sweep every
 * edit would leave a child process (or an HTTP session) behind until shutdown.
 */
export const createConnectionCache = (options: ConnectionCacheOptions): ConnectionCache => {
  const now = options.now ?? Date.now;
  const entries = new Map<string, Entry>();
  let closed = false;

  const forget = (key: string, entry: Entry) => {
    if (entries.get(key) === entry) entries.delete(key);
  };

  const acquire = (key: string, server: ResolvedMcpServer): Entry => {
    if (closed) throw new McpToolsError('mcp.closed', 'the MCP client pool is closed');
    const cached = entries.get(key);
    if (cached) return cached;
    const entry: Entry = { connection: options.open(server, () => forget(key, entry)), live: null, inFlight: 0, lastUsed: now() };
    entries.set(key, entry);
    entry.connection.then(
      (live) => void (entry.live = live),
      () => forget(key, entry),
    );
    return entry;
  };

  const sweep = () => {
    for (const [key, entry] of entries) {
      if (entry.inFlight > 0 || now() - entry.lastUsed < options.idleTimeoutMs) continue;
      entries.delete(key);
      entry.connection.then((live) => live.close()).catch(() => undefined);
    }
  };
  const sweeper = options.idleTimeoutMs > 0 ? setInterval(sweep, Math.min(options.idleTimeoutMs, 60_000) / 2).unref() : null;

  return {
    use: async (target, work) => {
      const entry = acquire(target.key, target.server);
      entry.inFlight++;
      try {
        return await work(await untilAborted(entry.connection, target.signal));
      } finally {
        entry.inFlight--;
        entry.lastUsed = now();
      }
    },
    drop: async (key, stale) => {
      const entry = entries.get(key);
      if (entry?.live === stale) entries.delete(key);
      await stale.close().catch(() => undefined);
    },
    close: async () => {
      closed = true;
      if (sweeper) clearInterval(sweeper);
      const open = [...entries.values()];
      entries.clear();
      await Promise.allSettled(open.map(async (entry) => (await entry.connection).close()));
    },
  };
};
