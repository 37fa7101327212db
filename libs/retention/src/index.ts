export { planRetention, type PlannedPurge, type PurgeReason, type RetainedRun, type RetentionPolicy } from './retention-plan.js';
export { purgeRun, recordedSizes, type PurgeDeps, type PurgeOutcome, type PurgeTarget } from './purge-run.js';
export { applyRetention, organizationPolicies, type ApplyRetentionDeps, type OrgPolicy, type OrgRetention } from './apply-retention.js';
export { KEPT_RUN_TABLES, PURGED_RUN_TABLES } from './run-tables.js';
