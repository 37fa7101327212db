import { cardToV1 } from '../cards/card-v1.js';
import type { StreamMethodName, UnaryMethodName, V03StreamEvent } from './methods.js';
import { messageToV1, partToV1 } from './v1-parts.js';

type Obj = Record<string, unknown>;

/** `input-required` → `TASK_STATE_INPUT_REQUIRED`; v0.3 `unknown` has no v1.0 twin but UNSPECIFIED. */
export const stateToV1 = (state: string): string => (state === 'unknown' ? 'TASK_STATE_UNSPECIFIED' : `TASK_STATE_${state.toUpperCase().replace(/-/g, '_')}`);

const statusToV1 = (status: Obj): Obj => {
  const { state, message, ...rest } = status;
  return { ...rest, state: stateToV1(String(state)), ...(message ? { message: messageToV1(message as Obj) } : {}) };
};

const artifactToV1 = (a: Obj): Obj => ({ ...a, parts: ((a['parts'] as Obj[] | undefined) ?? []).map(partToV1) });

export const taskToV1 = (task: Obj): Obj => {
  const { kind: _kind, status, history, artifacts, ...rest } = task;
  return {
    ...rest,
    status: statusToV1(status as Obj),
    ...(artifacts ? { artifacts: (artifacts as Obj[]).map(artifactToV1) } : {}),
    ...(history ? { history: (history as Obj[]).map((m) => messageToV1(m)) } : {}),
  };
};

/** A v0.3 stream item as a v1.0 StreamResponse: `{task}|{message}|{statusUpdate}|{artifactUpdate}`, no `kind`, no `final`. */
export const streamEventToV1 = (event: V03StreamEvent): Obj => {
  switch (event.kind) {
    case 'task':
      return { task: taskToV1(event) };
    case 'message':
      return { message: messageToV1(event) };
    case 'status-update': {
      const { kind: _kind, final: _final, status, ...rest } = event;
      return { statusUpdate: { ...rest, status: statusToV1(status as Obj) } };
    }
    case 'artifact-update': {
      const { kind: _kind, artifact, ...rest } = event;
      return { artifactUpdate: { ...rest, artifact: artifactToV1(artifact as Obj) } };
    }
  }
};

/** v0.3 `{taskId, pushNotificationConfig:{id,url,token,authentication:{schemes,credentials}}}` → v1.0 flat config. */
export const pushConfigToV1 = (c: Obj): Obj => {
  const inner = (c['pushNotificationConfig'] ?? {}) as Obj;
  const auth = inner['authentication'] as { schemes?: string[]; credentials?: string } | undefined;
  const { authentication: _a, ...rest } = inner;
  return {
    taskId: c['taskId'],
    ...rest,
    ...(auth ? { authentication: { scheme: auth.schemes?.[0] ?? '', ...(auth.credentials ? { credentials: auth.credentials } : {}) } } : {}),
  };
};

/** A handler's v0.3 result as the v1.0 result of the same method. */
export const resultToV1 = (method: UnaryMethodName | StreamMethodName, result: unknown): unknown => {
  const r = result as Obj;
  switch (method) {
    case 'message/send':
      return r['kind'] === 'message' ? { message: messageToV1(r) } : { task: taskToV1(r) };
    case 'tasks/get':
    case 'tasks/cancel':
      return taskToV1(r);
    case 'tasks/list':
      return { ...r, tasks: (r['tasks'] as Obj[]).map(taskToV1) };
    case 'tasks/pushNotificationConfig/set':
    case 'tasks/pushNotificationConfig/get':
      return pushConfigToV1(r);
    case 'tasks/pushNotificationConfig/list':
      return { configs: (result as Obj[]).map(pushConfigToV1), nextPageToken: '' };
    case 'tasks/pushNotificationConfig/delete':
      return {};
    case 'agent/getAuthenticatedExtendedCard':
      return cardToV1(result as Parameters<typeof cardToV1>[0]);
    case 'message/stream':
    case 'tasks/resubscribe':
      // Stream items go through streamEventToV1, one by one.
      return result;
  }
};
