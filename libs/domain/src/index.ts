export { DomainError, type DomainErrorCode } from './domain-error.js';
export {
  evolve as evolveStep,
  initialState as initialStepState,
  isTerminal as isTerminalStep,
  type TerminalStep,
  type Step,
  type StepRequest,
  type StepStreamEvent,
  type TranscriptEntry,
  type WorkingStep,
} from './step/step.state.js';
export type {
  CommandMetadata,
  StepCommand,
  ClaimStep,
  ResumeStep,
  RecordLlmResponse,
  RecordToolCall,
  RecordToolResult,
  RecordUsage,
  RecordRunData,
  RequestInput,
  CompleteStep,
  FailStep,
  CancelStep,
} from './step/step.commands.js';
export { decide as decideStep, stepDecider } from './step/step.decider.js';
export { nextAction, type NextAction, type StepLimits } from './step/step.workflow.js';
export {
  ROW_STATUSES,
  isTerminalRowStatus,
  type StepRowStatus,
  type RunRowStatus,
  type StepRow,
  type RunRow,
  evolveStepRow,
  deriveRunStatus,
} from './read-models/index.js';
export { PRICE_TABLE, priceUsage, type PriceTable, type ModelPrice, type Priced } from './usage/price-table.js';
export { decideSyncEvents, type SyncOutcome, type LiveDefinition, type EventIdFor } from './repositories/sync-events.js';
