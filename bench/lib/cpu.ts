import { readdir, readFile } from 'node:fs/promises';

/**
 * Linux reports a process's CPU time in clock ticks of USER_HZ, which the kernel fixes at 100 per second for
 * user space on every architecture Node runs on here.
 */
const MS_PER_TICK = 10;

/** The local services the stack shares, by the kernel's name for them (`/proc/<pid>/comm`). */
const SERVICES = { 'nats-server': 'nats-server', postgres: 'postgres', redis: 'redis-server' } as const;

/** CPU time (user + system, ms) a process has used since it started, or 0 when it cannot be read (it ended). */
const cpuMsOf = async (pid: number): Promise<number> => {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    // The command name, field 2, is in parentheses and may hold spaces: count fields after its closing one.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * MS_PER_TICK;
  } catch {
    return 0;
  }
};

const pidsByComm = async (): Promise<Map<string, number[]>> => {
  const byComm = new Map<string, number[]>();
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const comm = (await readFile(`/proc/${entry}/comm`, 'utf8').catch(() => '')).trim();
    byComm.set(comm, [...(byComm.get(comm) ?? []), Number(entry)]);
  }
  return byComm;
};

/** CPU time per named group: our apps by pid, each shared service summed over all its processes, and this process. */
const readCpu = async (apps: Record<string, number | undefined>): Promise<Map<string, Map<number, number>>> => {
  const byComm = await pidsByComm();
  const groups = new Map<string, Map<number, number>>();
  const add = async (name: string, pids: readonly number[]) => groups.set(name, new Map(await Promise.all(pids.map(async (pid) => [pid, await cpuMsOf(pid)] as const))));
  for (const [name, pid] of Object.entries(apps)) await add(name, pid === undefined ? [] : [pid]);
  for (const [name, comm] of Object.entries(SERVICES)) await add(name, byComm.get(comm) ?? []);
  const own = process.cpuUsage();
  groups.set('bench', new Map([[process.pid, (own.user + own.system) / 1000]]));
  return groups;
};

export type CpuMeter = {
  /** CPU ms each group used since the meter started (`total` is their sum), and the wall time it covered. */
  stop(): Promise<{ ms: Record<string, number>; wallMs: number }>;
};

/**
 * Measures the CPU time the stack's processes, the shared services (nats-server, every PostgreSQL process,
 * Redis) and the bench itself use over a window. A process that starts inside the window counts from zero;
 * one that ends inside it (a PostgreSQL backend closed by a pool) loses its share, so figures are a floor.
 */
export const startCpuMeter = async (apps: Record<string, number | undefined>): Promise<CpuMeter> => {
  const startedAt = performance.now();
  const before = await readCpu(apps);
  return {
    stop: async () => {
      const after = await readCpu(apps);
      const wallMs = performance.now() - startedAt;
      const ms: Record<string, number> = {};
      for (const [name, pids] of after) {
        const start = before.get(name) ?? new Map<number, number>();
        ms[name] = [...pids].reduce((sum, [pid, used]) => sum + Math.max(0, used - (start.get(pid) ?? 0)), 0);
      }
      ms['total'] = Object.values(ms).reduce((a, b) => a + b, 0);
      return { ms, wallMs };
    },
  };
};
