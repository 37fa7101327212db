/**
 * `shaman replay` as a library: read a run's recording, print it, check it against the read models, run it
 * again from the recording, fork it and compare runs — the functions the commands in src/commands are built on
 * (docs/replay.md, "As a library"). Side effects stay with the caller: each takes the connection it needs.
 */
export { readRunEvents, toReceivedCommits, type RecordedEvent } from './replay/run-recording.js';
export { formatTimeline, agentsByStep } from './replay/timeline.js';
export { buildDag, formatDag, type StepNode } from './replay/dag-tree.js';
export type { Paint } from './replay/format.js';
export { verifyRun, type VerifyResult, type RunKey } from './replay/verify-run.js';
export { rebuildReadModels, type RebuildDeps, type RebuildResult, type RebuildProgress } from './replay/rebuild-read-models.js';
export { reexecuteRun, type ReexecuteResult } from './replay/reexecute-run.js';
export { firstDivergence, type Divergence } from './replay/compare-steps.js';
export { planFork, type ForkPlan, type ForkPlanResult, type ForkCut, type ForkOverrides } from './replay/fork-plan.js';
export { diffRuns, type RunDiff, type RunDivergence, type StepComparison } from './replay/diff-runs.js';
