export { registerEdgeGuards, type EdgeGuardDeps, type EdgeOptions } from './edge-guards.js';
export { createSlugLookup, orgSlugFromHost } from './tenancy.js';
export { edgeFromConfig } from './edge-runtime.js';
