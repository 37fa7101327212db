/**
 * The read-model tables holding a run's rows, and the column naming the run: what a purge deletes. The projector
 * owns these tables (apps/projector READ_MODEL_TABLES); a lib cannot import an app, so the CLI's unit spec checks
 * that this list is that one's run tables minus the ledger. Kept on purpose: `usage_ledger` (money spent outlives
 * the recording), the audit log (management actions, no run rows) and `retention_purges` (what was deleted).
 */
export const PURGED_RUN_TABLES: readonly { name: string; runColumn: string }[] = [
  { name: 'runs', runColumn: 'id' },
  { name: 'steps', runColumn: 'run_id' },
  { name: 'run_data', runColumn: 'run_id' },
  { name: 'step_tool_calls', runColumn: 'run_id' },
  { name: 'step_llm_calls', runColumn: 'run_id' },
  { name: 'step_input_requests', runColumn: 'run_id' },
];

/** Kept when a run is purged (see above). */
export const KEPT_RUN_TABLES: readonly string[] = ['usage_ledger'];
