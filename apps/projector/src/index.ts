export { createProjector, type Projector, type ProjectorDeps } from './projector.js';
export { startProjector, type RunningProjector } from './start-projector.js';
export { loadConfig, type ProjectorConfig } from './config.js';
export { projectBatch, applyEvents, type Batch, type BatchEvents, type BatchOutcome } from './project-batch.js';
export { DEFAULT_PROJECTION, readCheckpoint } from './checkpoint.js';
// The replay CLI (`shaman replay --verify`, `shaman projections rebuild`) folds events with the same code
// (applyEvents) into a scratch schema.
export type { SequencedRepositoryEvent } from './read-models/agent-definitions.js';
export type { SequencedRunEvent } from './read-models/created-runs.js';
export { decodeCommitMessage, type ReceivedCommit } from './decode-commit-message.js';
export type { SequencedEvent } from './read-models/fold-steps.js';
export { READ_MODEL_TABLES, type ReadModelTable } from './read-models/tables.js';
