import type { ApiKeyPrincipal } from '@shaman/platform';
import { A2AError } from '../errors.js';
import { assertSupportedContent } from '../tasks/content-types.js';
import type { Method, MethodContext, PushMethodName, StreamMethod, StreamMethodName, UnaryMethodName, V03StreamEvent } from './methods.js';
import { paramsFromV1 } from './v1-inbound.js';
import { resultToV1 } from './v1-outbound.js';
import type { WireVersion } from './version.js';

/** Every method the gateway runs, by internal (v0.3) name. Absent ones are answered -32003/-32004. */
export type MethodRegistry = {
  unary: Partial<Record<UnaryMethodName, Method>>;
  streams: Partial<Record<StreamMethodName, StreamMethod>>;
};

const PUSH: ReadonlySet<string> = new Set<PushMethodName>(['tasks/pushNotificationConfig/set', 'tasks/pushNotificationConfig/get', 'tasks/pushNotificationConfig/list', 'tasks/pushNotificationConfig/delete']);

/** What the card may declare: a capability is claimed only when every method behind it is registered. */
export const registeredCapabilities = (registry: MethodRegistry) => ({
  streaming: registry.streams['message/stream'] !== undefined && registry.streams['tasks/resubscribe'] !== undefined,
  pushNotifications: [...PUSH].every((m) => registry.unary[m as PushMethodName] !== undefined),
});

export type Call = {
  registry: MethodRegistry;
  version: WireVersion;
  principal: ApiKeyPrincipal;
  params: unknown;
  ctx: MethodContext;
  /** Set on an agent's own endpoint (`/a2a/v1/agents/<name>`): sends go to that agent. */
  agent?: string;
};

const notOffered = (name: string) =>
  PUSH.has(name)
    ? new A2AError('push_not_supported', 'Push notifications are not supported by this agent (see its card: capabilities.pushNotifications)')
    : new A2AError('unsupported_operation', `${name} is not supported by this agent (see its card's capabilities)`);

/** On an agent's endpoint a send names that agent; naming another one there is a contradiction, not a choice. */
const addressTo = (params: unknown, agent: string | undefined): unknown => {
  if (agent === undefined) return params;
  const p = params as { metadata?: Record<string, unknown> };
  const named = p.metadata?.['agent'];
  if (named !== undefined && named !== agent) {
    throw new A2AError('invalid_params', `Invalid params: this endpoint is agent ${agent}'s; metadata.agent names ${String(named)}`, [{ path: 'metadata.agent', message: `must be ${agent} or absent` }]);
  }
  return { ...p, metadata: { ...p.metadata, agent } };
};

const inbound = (name: UnaryMethodName | StreamMethodName, call: Call): unknown => {
  const params = call.version === '1.0' ? paramsFromV1(name, call.params) : call.params;
  if (name !== 'message/send' && name !== 'message/stream') return params;
  assertSupportedContent(params);
  return params !== null && typeof params === 'object' ? addressTo(params, call.agent) : params;
};

/** Runs a unary method in the caller's wire version: v1.0 params in → v0.3 handler → v1.0 result out. */
export const callUnary = async (name: UnaryMethodName, call: Call): Promise<unknown> => {
  const method = call.registry.unary[name];
  if (!method) throw notOffered(name);
  const result = await method(call.principal, inbound(name, call), { ...call.ctx, version: call.version });
  return call.version === '1.0' ? resultToV1(name, result) : result;
};

/** Opens a streaming method (it rejects before any event on bad params or an unknown task); items stay v0.3. */
export const openStream = async (name: StreamMethodName, call: Call): Promise<AsyncIterable<V03StreamEvent>> => {
  const method = call.registry.streams[name];
  if (!method) throw notOffered(name);
  return method(call.principal, inbound(name, call), call.ctx);
};
