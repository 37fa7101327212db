export { registerEdgeGuards, type EdgeGuardDeps, type EdgeOptions } from './edge-guards.js';
export { assertNamedTenant, createSlugLookup, orgSlugFromHost, type SlugLookup } from './tenancy.js';
export { edgeFromConfig } from './edge-runtime.js';
