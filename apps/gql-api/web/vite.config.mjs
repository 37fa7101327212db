// Vite build of the live DAG UI, served by the gql-api at /ui/ (src/ui/ui.routes.ts). Plain JavaScript so the
// root lint/typecheck (Node, no DOM) stays out of it; the sources have their own tsconfig.json.
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/ui/',
  // Preact's automatic JSX runtime, through Vite's own transformer: no framework plugin needed.
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // Hashed names under assets/ are what the server marks immutable.
    assetsDir: 'assets',
    sourcemap: true,
    target: 'es2022',
  },
  // `npx vite apps/gql-api/web` for development with hot reload, against a running gql-api (`npm start`).
  server: { proxy: { '/graphql': { target: process.env.SHAMAN_GQL_URL ?? 'http://127.0.0.1:4000', ws: true } } },
  logLevel: 'warn',
});
