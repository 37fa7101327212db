import type { ShamanStack } from './shaman-stack.js';

/** The stack's processes by app name (`a2a-gateway`, `executor`, `projector`, `gql-api`), for RSS readings. */
export const pidsOf = (stack: ShamanStack): Record<string, number | undefined> => Object.fromEntries(stack.apps.map((app) => [app.name, app.process.pid]));
