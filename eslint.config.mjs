// Lint is part of `npm test`: module boundaries are checked, not hoped for.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import nx from '@nx/eslint-plugin';

// `testsMayUse`: tags whose integration specs may also use the shared test fixtures (type:testing).
const boundaries = (allow, testsMayUse = []) => ({
  enforceBuildableLibDependency: false,
  allow,
  depConstraints: [
    // The CLI composes the apps in one process for `shaman dev`; it is the only project that may.
    { sourceTag: 'type:cli', onlyDependOnLibsWithTags: ['type:app', 'type:adapter', 'type:domain', 'type:contract', ...(testsMayUse.includes('type:cli') ? ['type:testing'] : [])] },
    { sourceTag: 'type:app', onlyDependOnLibsWithTags: ['type:adapter', 'type:domain', 'type:contract', 'type:testing'] },
    { sourceTag: 'type:testing', onlyDependOnLibsWithTags: ['type:adapter', 'type:domain', 'type:contract'] },
    { sourceTag: 'type:adapter', onlyDependOnLibsWithTags: ['type:adapter', 'type:domain', 'type:contract', ...(testsMayUse.includes('type:adapter') ? ['type:testing'] : [])] },
    { sourceTag: 'type:domain', onlyDependOnLibsWithTags: ['type:contract'] },
    { sourceTag: 'type:contract', onlyDependOnLibsWithTags: ['type:contract'] },
  ],
});

export default tseslint.config(
  { ignores: ['**/node_modules/**', '**/dist/**', 'bench/results/**', '.nx/**', '**/*.mjs'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    plugins: { '@nx': nx },
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@nx/enforce-module-boundaries': ['error', boundaries([])],
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'max-params': ['error', 3],
    },
  },
  {
    // Nx forbids importing applications outright; `shaman dev` runs all four in one process through their
    // public entry points, so the CLI alone may import exactly those packages.
    files: ['apps/cli/**/*.ts'],
    rules: {
      '@nx/enforce-module-boundaries': ['error', boundaries(['@shaman/a2a-gateway', '@shaman/executor', '@shaman/projector', '@shaman/gql-api'])],
    },
  },
  {
    // The CLI's own specs and their fixtures start stacks like every other app's: with the shared test fixtures.
    files: ['apps/cli/**/*.spec.ts', 'apps/cli/**/*.fixture.ts'],
    rules: {
      '@nx/enforce-module-boundaries': ['error', boundaries(['@shaman/a2a-gateway', '@shaman/executor', '@shaman/projector', '@shaman/gql-api'], ['type:cli'])],
    },
  },
  {
    // Contracts and deciders are runtime-agnostic: no Node builtins, no I/O clients, no ambient process.
    files: ['libs/events/**/*.ts', 'libs/domain/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: ['node:*', 'pg', '@nats-io/*', 'fastify', 'ioredis', 'bullmq'] }],
      'no-restricted-globals': ['error', 'process', 'fetch', 'setTimeout', 'setInterval'],
      'no-restricted-syntax': ['error',
        { selector: "NewExpression[callee.name='Date'][arguments.length=0]", message: 'time arrives on metadata' },
        { selector: "CallExpression[callee.object.name='Math'][callee.property.name='random']", message: 'ids arrive on metadata' }],
    },
  },
  {
    // Only an app's config.ts reads the environment.
    files: ['apps/**/*.ts', 'libs/**/*.ts', 'infra/**/*.ts'],
    ignores: ['apps/*/src/config.ts', '**/*.spec.ts', 'libs/testing/**'],
    rules: {
      'no-restricted-properties': ['error', { object: 'process', property: 'env', message: 'read config in apps/*/src/config.ts' }],
    },
  },
  {
    files: ['**/*.spec.ts', 'libs/testing/**/*.ts', 'bench/**/*.ts'],
    rules: { '@typescript-eslint/no-non-null-assertion': 'off', 'max-params': 'off' },
  },
  {
    // Integration specs of adapter libs use the shared test fixtures (databases, streams, tenants).
    files: ['libs/**/*.int.spec.ts', 'infra/**/*.int.spec.ts'],
    rules: { '@nx/enforce-module-boundaries': ['error', boundaries([], ['type:adapter'])] },
  },
);
