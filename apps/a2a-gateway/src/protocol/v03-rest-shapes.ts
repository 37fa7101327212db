import type { V03StreamEvent } from './methods.js';

/**
 * The v0.3 REST binding speaks the ProtoJSON of 0.3's `specification/grpc/a2a.proto` (what a2a-js 0.3.x's
 * REST client and server send), not the JSON-RPC types: `content` for parts, `{file:{fileWithUri|fileWithBytes,
 * mimeType}}`, `{data:{data}}`, `TASK_STATE_*` (with `CANCELLED`), `ROLE_*`, push configs named
 * `tasks/<id>/pushNotificationConfigs/<id>`. These pure functions translate between it and the handlers'
 * JSON-RPC v0.3 objects. A body already in JSON-RPC shape (`parts` with `kind`) is accepted as is.
 */
type Obj = Record<string, unknown>;
type Part03 = { text?: string; file?: { fileWithUri?: string; fileWithBytes?: string; mimeType?: string }; data?: { data?: unknown } };

export const partFromRest03 = (p: Part03): Obj => {
  if (p.file) {
    const { fileWithUri, fileWithBytes, mimeType } = p.file;
    return { kind: 'file', file: { ...(fileWithUri !== undefined ? { uri: fileWithUri } : { bytes: fileWithBytes }), ...(mimeType ? { mimeType } : {}) } };
  }
  if (p.data) return { kind: 'data', data: p.data.data };
  // A part of no known kind stays kind-less, so the handler's validation refuses it (-32602).
  return p.text !== undefined ? { kind: 'text', text: p.text } : { ...p };
};

export const messageFromRest03 = (m: Obj): Obj => {
  if (!('content' in m)) return m;
  const { content, role, ...rest } = m;
  return {
    kind: 'message',
    ...rest,
    role: role === 'ROLE_AGENT' ? 'agent' : role === 'ROLE_USER' ? 'user' : role,
    parts: Array.isArray(content) ? (content as Part03[]).map(partFromRest03) : content,
  };
};

/**
 * `POST /v1/message:send|stream` body → `MessageSendParams`. Proto3 JSON omits a false bool, so in a proto-shaped
 * body (`message.content`) a configuration without `blocking` means `blocking: false`, as a2a-js 0.3's REST server
 * reads it; no configuration at all stays blocking. A JSON-RPC-shaped body keeps JSON-RPC's reading (absent = blocking).
 */
export const sendParamsFromRest03 = (body: Obj): Obj => {
  const { message, configuration, ...rest } = body;
  const c = configuration as Obj | undefined;
  const proto = message !== null && typeof message === 'object' && 'content' in message;
  const { pushNotification, ...config } = c ?? {};
  if (proto && c && config['blocking'] === undefined) config['blocking'] = false;
  return {
    ...rest,
    ...(message !== null && typeof message === 'object' ? { message: messageFromRest03(message as Obj) } : { message }),
    ...(c ? { configuration: { ...config, ...(pushNotification ? { pushNotificationConfig: pushNotification } : {}) } } : {}),
  };
};

const stateToRest03 = (s: unknown) => (s === 'canceled' ? 'TASK_STATE_CANCELLED' : `TASK_STATE_${String(s).toUpperCase().replace(/-/g, '_')}`);

const partToRest03 = (p: Obj): Obj => {
  if (p['kind'] === 'text') return { text: p['text'] };
  if (p['kind'] === 'data') return { data: { data: p['data'] } };
  const f = (p['file'] ?? {}) as Obj;
  return { file: { ...(f['uri'] !== undefined ? { fileWithUri: f['uri'] } : { fileWithBytes: f['bytes'] }), ...(f['mimeType'] ? { mimeType: f['mimeType'] } : {}) } };
};

export const messageToRest03 = (m: Obj): Obj => {
  const { kind: _kind, parts, role, ...rest } = m;
  return { ...rest, role: role === 'agent' ? 'ROLE_AGENT' : 'ROLE_USER', content: ((parts as Obj[] | undefined) ?? []).map(partToRest03) };
};

const statusToRest03 = (s: Obj): Obj => {
  const { state, message, ...rest } = s;
  return { ...rest, state: stateToRest03(state), ...(message ? { message: messageToRest03(message as Obj) } : {}) };
};
const artifactToRest03 = (a: Obj): Obj => ({ ...a, parts: ((a['parts'] as Obj[] | undefined) ?? []).map(partToRest03) });

export const taskToRest03 = (t: Obj): Obj => {
  const { kind: _kind, status, history, artifacts, ...rest } = t;
  return {
    ...rest,
    status: statusToRest03(status as Obj),
    ...(artifacts ? { artifacts: (artifacts as Obj[]).map(artifactToRest03) } : {}),
    ...(history ? { history: (history as Obj[]).map(messageToRest03) } : {}),
  };
};

export const sendResultToRest03 = (r: Obj): Obj => (r['kind'] === 'message' ? { message: messageToRest03(r) } : { task: taskToRest03(r) });

export const streamEventToRest03 = (e: V03StreamEvent): Obj => {
  switch (e.kind) {
    case 'task':
      return { task: taskToRest03(e) };
    case 'message':
      return { message: messageToRest03(e) };
    case 'status-update': {
      const { kind: _kind, status, ...rest } = e;
      return { statusUpdate: { ...rest, status: statusToRest03(status as Obj) } };
    }
    case 'artifact-update': {
      const { kind: _kind, artifact, ...rest } = e;
      return { artifactUpdate: { ...rest, artifact: artifactToRest03(artifact as Obj) } };
    }
  }
};

/** `{taskId, pushNotificationConfig}` → `{name: "tasks/<task>/pushNotificationConfigs/<id>", pushNotificationConfig}`. */
export const pushConfigToRest03 = (c: Obj): Obj => {
  const inner = (c['pushNotificationConfig'] ?? {}) as Obj;
  return { name: `tasks/${String(c['taskId'])}/pushNotificationConfigs/${String(inner['id'] ?? '')}`, pushNotificationConfig: inner };
};
