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
  type ChildCall,
  type ExceededDeadline,
  awaitedChild,
  toolsOfferChanged,
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
  RecordAgentCall,
  AwaitAgent,
  OfferTools,
  CompleteStep,
  FailStep,
  CancelStep,
  ScheduleRetry,
  DeadLetterStep,
} from './step/step.commands.js';
export { decide as decideStep, stepDecider } from './step/step.decider.js';
export { decideExternalCall, EXTERNAL_MODEL } from './external-call/external-call.decider.js';
export type { ExternalCallCommand, StartExternalCall, CompleteExternalCall, FailExternalCall, CancelExternalCall } from './external-call/external-call.commands.js';
export { nextAction, type NextAction, type StepLimits } from './step/step.workflow.js';
export { decideRetry, DEFAULT_RETRY_POLICY, MAX_RETRY_AFTER_MS, type RetryPolicy, type RetryRule, type RetryDecision, type FailedAttempt } from './step/retry-policy.js';
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
export { PRICE_TABLE, CACHED_PRICE, priceUsage, type PriceTable, type ModelPrice, type Priced } from './usage/price-table.js';
export { decideSyncEvents, type SyncOutcome, type LiveDefinition, type EventIdFor } from './repositories/sync-events.js';
