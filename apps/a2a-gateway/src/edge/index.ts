export { registerEdgeGuards, type EdgeGuardDeps, type EdgeOptions } from './edge-guards.js';
export { orgSlugFromHost } from './tenancy.js';
export { edgeFromConfig } from './edge-runtime.js';
