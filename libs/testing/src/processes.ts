import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

export type LogLine = Record<string, unknown> & { msg?: string };

// Apps a test started and has not stopped. If the test runner's worker dies first (a hook timed out, the run
// was interrupted), they are killed with it instead of living on, holding ports and dropped databases.
const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});
export type AppProcess = {
  name: string;
  process: ChildProcess;
  /** Resolves with the first JSON log line matching `predicate` (already seen, or yet to come). */
  waitForLog(predicate: (line: LogLine) => boolean, timeoutMs?: number): Promise<LogLine>;
  /** SIGTERM, then the exit code (SIGKILL after `graceMs`). */
  stop(graceMs?: number): Promise<number | null>;
  output(): string;
};

/**
 * Runs one app as its own Node process (`apps/<name>/src/main.ts` through tsx), the way it runs in
 * production, and collects its structured log lines so a test can wait for "listening" and read its URL.
 */
export const spawnApp = (name: string, env: Record<string, string>): AppProcess => {
  const child = spawn(process.execPath, ['--import', 'tsx', `apps/${name}/src/main.ts`], {
    cwd: REPO_ROOT,
    env: { ...process.env, LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: LogLine[] = [];
  const listeners = new Set<(line: LogLine) => void>();
  let raw = '';
  createInterface({ input: child.stdout! }).on('line', (text) => {
    raw += `${text}\n`;
    try {
      const line = JSON.parse(text) as LogLine;
      lines.push(line);
      for (const l of listeners) l(line);
    } catch {
      // not a log line; kept in raw output for diagnostics
    }
  });
  child.stderr!.on('data', (d: Buffer) => (raw += d.toString()));
  running.add(child);
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => {
      running.delete(child);
      resolve(code);
    }),
  );
  return {
    name,
    process: child,
    output: () => raw,
    waitForLog: (predicate, timeoutMs = 30_000) =>
      new Promise((resolve, reject) => {
        const seen = lines.find(predicate);
        if (seen) return resolve(seen);
        const timer = setTimeout(() => reject(new Error(`${name}: no matching log line within ${timeoutMs} ms; output:\n${raw}`)), timeoutMs);
        const listener = (line: LogLine) => {
          if (!predicate(line)) return;
          clearTimeout(timer);
          listeners.delete(listener);
          resolve(line);
        };
        listeners.add(listener);
        void exited.then((code) => reject(new Error(`${name} exited (${code}) before logging the expected line; output:\n${raw}`)));
      }),
    stop: async (graceMs = 10_000) => {
      if (child.exitCode !== null) return child.exitCode;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
  };
};

/** Runs the `shaman` CLI once as its own process and collects its exit code and output. */
export const runCli = (args: readonly string[], env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> =>
  new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'apps/cli/src/main.ts', ...args], { cwd: REPO_ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.once('exit', (code) => resolve({ code, stdout, stderr }));
  });
