import type { StreamMethod, StreamMethodName } from '../protocol/methods.js';
import { messageStream, type MessageStreamDeps } from './message-stream.js';
import { resubscribe } from './resubscribe.js';

export type StreamMethodsDeps = MessageStreamDeps & {
  /**
   * Aborted when the gateway shuts down: every open stream then ends (as if its client had gone), so the HTTP
   * server can close instead of waiting for long-lived SSE responses. Clients resubscribe elsewhere.
   */
  shutdown?: AbortSignal;
};
export type { ArtifactUpdateEvent, StatusUpdateEvent, StepStreamEvent } from './types.js';
export { outputArtifactId } from './live-task.js';
export { STREAM_CONSUMER_PREFIX } from './step-feed.js';

const endingOn = (method: StreamMethod, shutdown: AbortSignal | undefined): StreamMethod =>
  shutdown ? (principal, params, ctx) => method(principal, params, { ...ctx, signal: AbortSignal.any([ctx.signal, shutdown]) }) : method;

/**
 * The gateway's streaming methods (v0.3 shapes; the protocol edge frames them as SSE and translates versions).
 * Both read the step from JetStream, so any gateway instance can serve any task. See docs/a2a.md, "Streaming".
 */
export const createStreamMethods = (deps: StreamMethodsDeps): Record<StreamMethodName, StreamMethod> => ({
  'message/stream': endingOn(messageStream(deps), deps.shutdown),
  'tasks/resubscribe': endingOn(resubscribe(deps), deps.shutdown),
});
