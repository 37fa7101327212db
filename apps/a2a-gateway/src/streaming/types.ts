import type { Part } from '@shaman/events';
import type { A2ATask } from '../tasks/task-view.js';

/** v0.3 `TaskStatus` as the gateway emits it (the same object a Task's `status` holds). */
export type V03TaskStatus = A2ATask['status'];

/** v0.3 `TaskStatusUpdateEvent`: `final` marks the last event of the stream (terminal or input-required). */
export type StatusUpdateEvent = {
  kind: 'status-update';
  taskId: string;
  contextId: string;
  status: V03TaskStatus;
  final: boolean;
};

/** v0.3 `TaskArtifactUpdateEvent`. */
export type ArtifactUpdateEvent = {
  kind: 'artifact-update';
  taskId: string;
  contextId: string;
  artifact: { artifactId: string; name?: string; parts: Part[] };
  append: boolean;
  lastChunk: boolean;
};

/** What one step's stream yields: the Task snapshot first, then updates. */
export type StepStreamEvent = A2ATask | StatusUpdateEvent | ArtifactUpdateEvent;
