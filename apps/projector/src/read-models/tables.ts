/** A read-model table and the columns that identify one of its rows. */
export type ReadModelTable = { name: string; key: readonly string[]; runColumn: 'run_id' | 'id' | null };

/**
 * Every table the read-models projection writes (applyEvents), with how a run's rows are found (`runs` is keyed
 * by the run id itself; agent definitions belong to no run). The replay CLI rebuilds and diffs exactly these,
 * so a read model added to applyEvents is added here too.
 */
export const READ_MODEL_TABLES: readonly ReadModelTable[] = [
  { name: 'runs', key: ['id'], runColumn: 'id' },
  { name: 'steps', key: ['id'], runColumn: 'run_id' },
  { name: 'usage_ledger', key: ['event_id'], runColumn: 'run_id' },
  { name: 'run_data', key: ['event_id'], runColumn: 'run_id' },
  { name: 'step_tool_calls', key: ['event_id'], runColumn: 'run_id' },
  { name: 'step_llm_calls', key: ['event_id'], runColumn: 'run_id' },
  { name: 'step_input_requests', key: ['event_id'], runColumn: 'run_id' },
  { name: 'agent_definitions', key: ['org_id', 'repository_id', 'name'], runColumn: null },
  { name: 'agent_definition_history', key: ['event_id'], runColumn: null },
];
