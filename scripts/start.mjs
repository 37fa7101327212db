// `npm start`: install what is missing, then run the whole platform locally (`shaman dev`).
// Plain JavaScript on purpose: it must run before dependencies (and tsx) are installed.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const run = (cmd, args) => spawnSync(cmd, args, { cwd: root, stdio: 'inherit' }).status ?? 1;

if (!existsSync(`${root}node_modules/.package-lock.json`) || !existsSync(`${root}node_modules/tsx`)) {
  console.log('Installing dependencies (npm ci)…');
  if (run('npm', ['ci', '--no-audit', '--no-fund']) !== 0) process.exit(1);
}
// The web UI the gql-api serves at /ui/: built when its sources changed since the last build, else skipped.
if (run(process.execPath, ['apps/gql-api/web/build.mjs']) !== 0) process.exit(1);
process.exit(run(process.execPath, ['--import', 'tsx', 'apps/cli/src/main.ts', 'dev', ...process.argv.slice(2)]));
