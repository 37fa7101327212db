import type { WireVersion } from './version.js';
import type { StreamMethodName, UnaryMethodName } from './methods.js';

type InternalName = UnaryMethodName | StreamMethodName;

/** v1.0 JSON-RPC names and the internal (v0.3) method each one runs. */
const V1_NAMES: Readonly<Record<string, InternalName>> = {
  SendMessage: 'message/send',
  SendStreamingMessage: 'message/stream',
  GetTask: 'tasks/get',
  ListTasks: 'tasks/list',
  CancelTask: 'tasks/cancel',
  SubscribeToTask: 'tasks/resubscribe',
  CreateTaskPushNotificationConfig: 'tasks/pushNotificationConfig/set',
  GetTaskPushNotificationConfig: 'tasks/pushNotificationConfig/get',
  ListTaskPushNotificationConfigs: 'tasks/pushNotificationConfig/list',
  DeleteTaskPushNotificationConfig: 'tasks/pushNotificationConfig/delete',
  GetExtendedAgentCard: 'agent/getAuthenticatedExtendedCard',
};

/**
 * v0.3 JSON-RPC names. `tasks/list` is absent on purpose: 0.3 offers listing over REST only (`GET /v1/tasks`).
 */
const V03_NAMES: ReadonlySet<InternalName> = new Set<InternalName>([
  'message/send',
  'message/stream',
  'tasks/get',
  'tasks/cancel',
  'tasks/resubscribe',
  'tasks/pushNotificationConfig/set',
  'tasks/pushNotificationConfig/get',
  'tasks/pushNotificationConfig/list',
  'tasks/pushNotificationConfig/delete',
  'agent/getAuthenticatedExtendedCard',
]);

/** The internal method a wire name stands for in a version, or null (-32601): a v1.0 name under 0.3 is unknown, and vice versa. */
export const internalMethodName = (version: WireVersion, wireName: string): InternalName | null => {
  if (version === '1.0') return Object.hasOwn(V1_NAMES, wireName) ? (V1_NAMES[wireName] ?? null) : null;
  return V03_NAMES.has(wireName as InternalName) ? (wireName as InternalName) : null;
};

export const STREAM_METHODS: ReadonlySet<string> = new Set<StreamMethodName>(['message/stream', 'tasks/resubscribe']);
