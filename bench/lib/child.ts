import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

export type Child = { process: ChildProcess; ready: Promise<Record<string, unknown>>; stop(): Promise<number | null> };

/**
 * Runs a TypeScript entry point (through tsx) as a child process and resolves `ready` with the first JSON line
 * on its stdout whose `msg` is `readyMsg`: how a bench waits for a server it started to listen.
 */
export const spawnTs = (entry: string, input: { env?: Record<string, string>; readyMsg: string; timeoutMs?: number }): Child => {
  const child = spawn(process.execPath, ['--import', 'tsx', entry], { cwd: REPO_ROOT, env: { ...process.env, ...input.env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const ready = new Promise<Record<string, unknown>>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${entry}: not ready within ${input.timeoutMs ?? 30_000} ms\n${output}`)), input.timeoutMs ?? 30_000);
    createInterface({ input: child.stdout! }).on('line', (text) => {
      output += `${text}\n`;
      try {
        const line = JSON.parse(text) as Record<string, unknown>;
        if (line['msg'] !== input.readyMsg) return;
        clearTimeout(timer);
        resolve(line);
      } catch {
        // not a JSON line; kept for the error message
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`${entry} exited (${code}) before it was ready\n${output}`));
    });
  });
  return {
    process: child,
    ready,
    stop: async () => {
      if (child.exitCode !== null) return child.exitCode;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
  };
};
