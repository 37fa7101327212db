import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { spawnApp, type AppProcess, type LogLine } from '../processes.js';

/** An exit nobody asked for: the app died because something it depends on went away (a finding). */
export type Crash = { app: string; code: number | null; signal: string | null; at: number; lastOutput: string };

export type SupervisedApp = {
  name: string;
  current(): AppProcess;
  /** SIGKILL, then a new process with the same environment, ready when it has logged `ready`. */
  killAndRestart(): Promise<void>;
  stop(): Promise<number | null>;
};

/**
 * Runs an app as a process and restarts it if it exits on its own, recording each such exit as a crash so
 * the suite can report it. Kills the suite asks for are not crashes.
 */
export const supervise = (input: { app: string; env: Record<string, string>; ready: (line: LogLine) => boolean; crashes: Crash[]; logDir?: string }) => {
  const all: AppProcess[] = [];
  let proc: AppProcess;
  let expectingExit = false;
  let stopped = false;
  const launch = (): AppProcess => {
    const p = spawnApp(input.app, input.env);
    all.push(p);
    p.process.once('exit', (code, signal) => {
      if (expectingExit || stopped) return;
      input.crashes.push({ app: input.app, code, signal, at: Date.now(), lastOutput: p.output().slice(-20_000) });
      setTimeout(() => {
        if (!stopped) proc = launch();
      }, 500);
    });
    proc = p;
    return p;
  };
  const start = async (): Promise<SupervisedApp> => {
    const first = launch();
    await first.waitForLog(input.ready, 60_000).catch(async (error: unknown) => {
      stopped = true; // never ready: leave no process behind
      await first.stop(2000);
      throw error;
    });
    return {
      name: input.app,
      current: () => proc,
      killAndRestart: async () => {
        expectingExit = true;
        const exited = new Promise((r) => proc.process.once('exit', r));
        proc.process.kill('SIGKILL');
        await exited;
        expectingExit = false;
        await launch().waitForLog(input.ready, 60_000);
      },
      stop: async () => {
        stopped = true;
        const code = await proc.stop(10_000);
        const dir = input.logDir;
        // Every process's output, killed ones included, for diagnosing a failed run.
        if (dir) await Promise.all(all.map((p, i) => writeFile(join(dir, `${input.app}-${i}-${p.process.pid}.log`), p.output())));
        return code;
      },
    };
  };
  return start();
};
