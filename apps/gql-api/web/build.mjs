// Builds the web UI into dist/ (typecheck, then Vite). `node build.mjs` skips the work when dist/ is newer
// than every input (what `npm start` and the e2e test call); `--force` always builds (`npm run build:web`).
// Plain JavaScript: it runs before anything is compiled.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = fileURLToPath(new URL('.', import.meta.url));
const root = join(here, '../../..');
const stamp = join(here, 'dist', '.built');
const inputs = ['index.html', 'vite.config.mjs', 'tsconfig.json', 'build.mjs', 'src', join('..', '..', '..', 'package-lock.json')];

const newestMtime = (path) => {
  if (!existsSync(path)) return 0;
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return readdirSync(path).reduce((max, name) => Math.max(max, newestMtime(join(path, name))), stat.mtimeMs);
};

export const isUpToDate = () => existsSync(stamp) && existsSync(join(here, 'dist', 'index.html')) && statSync(stamp).mtimeMs >= Math.max(...inputs.map((p) => newestMtime(join(here, p))));

const main = async () => {
  if (!process.argv.includes('--force') && isUpToDate()) {
    console.log('web UI is up to date (apps/gql-api/web/dist)');
    return;
  }
  const started = Date.now();
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  const checked = spawnSync(process.execPath, [tsc, '-p', join(here, 'tsconfig.json')], { cwd: root, stdio: 'inherit' });
  if (checked.status !== 0) {
    console.error('web UI: typecheck failed');
    process.exit(1);
  }
  const { build } = await import('vite');
  await build({ configFile: join(here, 'vite.config.mjs') });
  writeFileSync(stamp, `${new Date().toISOString()}\n`);
  console.log(`web UI built in ${((Date.now() - started) / 1000).toFixed(1)} s (apps/gql-api/web/dist)`);
};

await main();
