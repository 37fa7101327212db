import type { ApiKeyPrincipal } from '@shaman/platform';
import type { WireVersion } from './version.js';

/**
 * The seam between the protocol edge (JSON-RPC / REST framing, version translation) and the handlers behind it.
 * Handlers speak v0.3 shapes only (with `kind`); the edge translates to and from v1.0 per request.
 */
export type MethodContext = {
  signal: AbortSignal;
  /** The caller's wire version; push configs remember it to choose their notification payload (src/push). */
  version?: WireVersion;
};

/** A unary A2A method: validates `params` itself (throwing A2AError) and resolves to a v0.3-shaped result. */
export type Method = (principal: ApiKeyPrincipal, params: unknown, ctx: MethodContext) => Promise<unknown>;

/** One item of a v0.3 stream: a Task, Message, TaskStatusUpdateEvent or TaskArtifactUpdateEvent (with `kind`). */
export type V03StreamEvent = { kind: 'task' | 'message' | 'status-update' | 'artifact-update' } & Record<string, unknown>;

/**
 * A streaming A2A method. It rejects (with an A2AError) before yielding anything on bad params or an unknown task;
 * the iterable ends once the task reaches a terminal or interrupted state. The edge aborts `ctx.signal` when the
 * client goes away, and then stops iterating.
 */
export type StreamMethod = (principal: ApiKeyPrincipal, params: unknown, ctx: MethodContext) => Promise<AsyncIterable<V03StreamEvent>>;

/** v0.3 JSON-RPC names of the unary methods (the internal names; v1.0 names map onto these). */
export type UnaryMethodName =
  | 'message/send'
  | 'tasks/get'
  | 'tasks/list'
  | 'tasks/cancel'
  | 'tasks/pushNotificationConfig/set'
  | 'tasks/pushNotificationConfig/get'
  | 'tasks/pushNotificationConfig/list'
  | 'tasks/pushNotificationConfig/delete'
  | 'agent/getAuthenticatedExtendedCard';

export type StreamMethodName = 'message/stream' | 'tasks/resubscribe';

export type PushMethodName = 'tasks/pushNotificationConfig/set' | 'tasks/pushNotificationConfig/get' | 'tasks/pushNotificationConfig/list' | 'tasks/pushNotificationConfig/delete';
