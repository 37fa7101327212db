export {
  ROW_STATUSES,
  isTerminalRowStatus,
  type StepRowStatus,
  type RunRowStatus,
  type StepRow,
  type RowInitiator,
  type RunRow,
} from './rows.js';
export { evolveStepRow } from './evolve-step-row.js';
export { deriveRunStatus } from './derive-run-status.js';
