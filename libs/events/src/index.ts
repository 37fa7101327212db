export { OrgId, RunId, StepId, EventId, AgentName } from './ids.js';
export { TextPart, DataPart, FilePart, Part, ChatMessage, messageText } from './message.js';
export { EventMetadata, Initiator, TokenUsage } from './metadata.js';
export { AgentRef, RunRequested, RunCancelRequested, StepInputProvided } from './run-events.js';
export {
  StepStarted,
  StepResumed,
  ToolCallRequest,
  LlmResponded,
  ToolCalled,
  ToolResulted,
  StepInputRequired,
  StepCompleted,
  StepFailureCode,
  StepFailed,
  StepCanceled,
} from './step-events.js';
export { RunDataKey, RunDataWritten, UsageRecorded } from './data-events.js';
export { AgentCalled, AgentAwaited, ChildOutcome, ChildStepEnded } from './agent-call-events.js';
export { FailureKind, StepRetryScheduled, StepDeadLettered, StepDeadlineExceeded } from './durability-events.js';
export { OfferedTool, ToolsOffered } from './tool-events.js';
export {
  RequestEvent,
  StepEvent,
  ShamanEvent,
  type ShamanEventType,
  TERMINAL_STEP_EVENTS,
  type TerminalStepEvent,
  isTerminalStepEvent,
  isRequestEvent,
} from './catalog.js';
export {
  type StreamKind,
  type StepAddress,
  stepStreamName,
  stepRequestStream,
  stepEventStream,
  streamNameOf,
  runFilter,
  ALL_REQUESTS,
  ALL_STEP_EVENTS,
  parseStreamName,
} from './subjects.js';
export { TextDelta, stepDeltaSubject } from './deltas.js';
export {
  RepositoryId,
  RepositoryEventMetadata,
  DefinitionProblem,
  RepositorySynced,
  AgentDefinitionChanged,
  AgentRemoved,
  RepositoryEvent,
  repositoryStream,
  ALL_REPOSITORY_EVENTS,
} from './repository-events.js';
export { RunEventMetadata, RunCreated, RunLifecycleEvent, runLifecycleStream } from './run-lifecycle-events.js';
export {
  RegistryId,
  RegistryEventMetadata,
  RegistryHealth,
  RegistryAdded,
  RegistryRemoved,
  RegistryHealthChanged,
  RegistrySkipped,
  RegistryEvent,
  REGISTRY_CHANGE_EVENTS,
  registryStream,
  ALL_REGISTRY_EVENTS,
} from './registry-events.js';
