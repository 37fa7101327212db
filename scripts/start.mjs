// `npm start`: install what is missing, then run the whole platform locally (`shaman dev`).
// Plain JavaScript on purpose: it must run before dependencies (and tsx) are installed.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { constants } from 'node:os';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const run = (cmd, args) => spawnSync(cmd, args, { cwd: root, stdio: 'inherit' }).status ?? 1;

if (!existsSync(`${root}node_modules/.package-lock.json`) || !existsSync(`${root}node_modules/tsx`)) {
  console.log('Installing dependencies (npm ci)…');
  if (run('npm', ['ci', '--no-audit', '--no-fund']) !== 0) process.exit(1);
}
// The web UI the gql-api serves at /ui/: built when its sources changed since the last build, else skipped.
if (run(process.execPath, ['apps/gql-api/web/build.mjs']) !== 0) process.exit(1);

// The stack runs as a child. A terminal's Ctrl-C reaches it directly (the whole foreground process group gets
// SIGINT), but a SIGTERM sent to `npm start` (a process manager, `timeout`) is passed on by npm to its script's
// process only — this one, since package.json `exec`s it rather than leaving a shell in between that would die
// of the signal — so forward it (and SIGHUP) as the SIGTERM the stack stops cleanly on, or the stack would
// outlive us with its ports held. SIGINT is not forwarded, so that one Ctrl-C is not seen twice.
const stack = spawn(process.execPath, ['--import', 'tsx', 'apps/cli/src/main.ts', 'dev', ...process.argv.slice(2)], { cwd: root, stdio: 'inherit' });
for (const signal of ['SIGTERM', 'SIGHUP']) process.on(signal, () => stack.kill('SIGTERM'));
process.on('SIGINT', () => undefined);
stack.on('exit', (code, signal) => process.exit(code ?? 128 + (constants.signals[signal] ?? 0)));

