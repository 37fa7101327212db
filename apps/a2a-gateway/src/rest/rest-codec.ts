import { cardToRest03 } from '../cards/card-v1.js';
import { A2AError } from '../errors.js';
import type { StreamMethodName, UnaryMethodName, V03StreamEvent } from '../protocol/methods.js';
import { pushConfigToRest03, sendParamsFromRest03, sendResultToRest03, streamEventToRest03, taskToRest03 } from '../protocol/v03-rest-shapes.js';
import { stateFromV1 } from '../protocol/v1-inbound.js';
import { streamEventToV1 } from '../protocol/v1-outbound.js';
import type { WireVersion } from '../protocol/version.js';

type Obj = Record<string, unknown>;
type Query = Record<string, string | undefined>;

/** One REST request as the method it runs and its params: v1.0 params (translated by invoke) or v0.3 JSON-RPC params. */
export type RestCall = { method: UnaryMethodName; params: unknown; status?: number };
export type RestStreamCall = { method: StreamMethodName; params: unknown };

const bad = (path: string, message: string) => new A2AError('invalid_params', `Invalid params: ${path}: ${message}`, [{ path, message }]);

/** Query strings are text: numbers and booleans are parsed here, so a bad one is -32602, not silently dropped. */
const int = (q: Query, key: string): number | undefined => {
  const v = q[key];
  if (v === undefined || v === '') return undefined;
  if (!/^-?\d+$/.test(v)) throw bad(key, 'expected an integer');
  return Number(v);
};
const bool = (q: Query, key: string): boolean | undefined => {
  const v = q[key];
  if (v === undefined || v === '') return undefined;
  if (v !== 'true' && v !== 'false') throw bad(key, 'expected true or false');
  return v === 'true';
};
const defined = (o: Obj): Obj => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));

export const getTaskCall = (id: string, q: Query): RestCall => ({ method: 'tasks/get', params: defined({ id, historyLength: int(q, 'historyLength') }) });

export const listTasksCall = (version: WireVersion, q: Query): RestCall => {
  const status = q['status'] || undefined;
  // 0.3 has no list over JSON-RPC; its REST list takes either spelling of a state.
  const state03 = status?.startsWith('TASK_STATE_') ? stateFromV1(status).replace('cancelled', 'canceled') : status;
  const params = defined({
    contextId: q['contextId'] || undefined,
    status: version === '1.0' ? status : state03,
    pageSize: int(q, 'pageSize'),
    pageToken: q['pageToken'] || undefined,
    historyLength: int(q, 'historyLength'),
    statusTimestampAfter: q['statusTimestampAfter'] || undefined,
    includeArtifacts: bool(q, 'includeArtifacts'),
  });
  return { method: 'tasks/list', params };
};

const object = (body: unknown): Obj => {
  if (body === null || body === undefined) return {};
  if (typeof body !== 'object' || Array.isArray(body)) throw bad('(body)', 'expected a JSON object');
  return body as Obj;
};

export const sendCall = (version: WireVersion, body: unknown): unknown => (version === '1.0' ? object(body) : sendParamsFromRest03(object(body)));

export const pushSetCall = (version: WireVersion, taskId: string, body: unknown): RestCall => {
  const b = object(body);
  if (version === '1.0') return { method: 'tasks/pushNotificationConfig/set', params: { ...b, taskId } };
  // a2a-js 0.3 sends `{name, pushNotificationConfig}`; a bare config is accepted too.
  const config = 'pushNotificationConfig' in b ? b['pushNotificationConfig'] : b;
  return { method: 'tasks/pushNotificationConfig/set', params: { taskId, pushNotificationConfig: config } };
};

export const pushConfigCall = (version: WireVersion, input: { method: 'tasks/pushNotificationConfig/get' | 'tasks/pushNotificationConfig/delete'; taskId: string; configId: string }): RestCall => ({
  method: input.method,
  params: version === '1.0' ? { taskId: input.taskId, id: input.configId } : { id: input.taskId, pushNotificationConfigId: input.configId },
  ...(input.method === 'tasks/pushNotificationConfig/delete' ? { status: 204 } : {}),
});

export const pushListCall = (version: WireVersion, taskId: string): RestCall => ({ method: 'tasks/pushNotificationConfig/list', params: version === '1.0' ? { taskId } : { id: taskId } });

/** A v0.3 handler result in the v0.3 REST dialect (v1.0 results were already translated by invoke). */
export const rest03Result = (method: UnaryMethodName, result: unknown): unknown => {
  const r = result as Obj;
  switch (method) {
    case 'message/send':
      return sendResultToRest03(r);
    case 'tasks/get':
    case 'tasks/cancel':
      return taskToRest03(r);
    case 'tasks/list':
      return { ...r, tasks: (r['tasks'] as Obj[]).map(taskToRest03) };
    case 'tasks/pushNotificationConfig/set':
    case 'tasks/pushNotificationConfig/get':
      return pushConfigToRest03(r);
    case 'tasks/pushNotificationConfig/list':
      return { configs: (result as Obj[]).map(pushConfigToRest03), nextPageToken: '' };
    case 'agent/getAuthenticatedExtendedCard':
      return cardToRest03(result as Parameters<typeof cardToRest03>[0]);
    case 'tasks/pushNotificationConfig/delete':
      return result;
  }
};

/** REST SSE items carry no JSON-RPC envelope: a StreamResponse in the version's dialect. */
export const restStreamItem = (version: WireVersion, event: V03StreamEvent): unknown => (version === '1.0' ? streamEventToV1(event) : streamEventToRest03(event));
