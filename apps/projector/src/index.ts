export { createProjector, type Projector, type ProjectorDeps } from './projector.js';
export { startProjector, type RunningProjector } from './start-projector.js';
export { loadConfig, type ProjectorConfig } from './config.js';
export { projectBatch, type Batch, type BatchOutcome } from './project-batch.js';
export { DEFAULT_PROJECTION, readCheckpoint } from './checkpoint.js';
