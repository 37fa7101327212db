import type { ApiKeyPrincipal, Logger } from '@shaman/platform';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { assertNamedTenant, type SlugLookup } from '../edge/tenancy.js';
import { A2AError, restErrorBody, toA2AError } from '../errors.js';
import { parseJson } from '../jsonrpc/envelope.js';
import { assertJsonBody, statusOverride } from '../protocol/content-type.js';
import { callUnary, openStream, type MethodRegistry } from '../protocol/invoke.js';
import type { StreamMethodName } from '../protocol/methods.js';
import { abortOnDisconnect, writeSse } from '../protocol/sse.js';
import { negotiateVersion, type WireVersion } from '../protocol/version.js';
import { getTaskCall, listTasksCall, pushConfigCall, pushListCall, pushSetCall, rest03Result, restStreamItem, sendCall, type RestCall } from './rest-codec.js';

export type RestRouteDeps = {
  registry: MethodRegistry;
  authenticate: (headers: FastifyRequest['headers']) => Promise<ApiKeyPrincipal>;
  /** The slug of an organization: what the v1.0 `/{tenant}` path prefix must name. */
  slugOf: SlugLookup;
  logger: Logger;
};

/** Where the HTTP+JSON binding lives; v0.3 paths add `/v1` (a2a-js 0.3.x), v1.0 paths are the proto's own. */
export const REST_BASE = '/a2a/rest';

type Req = FastifyRequest<{ Params: Record<string, string>; Querystring: Record<string, string | undefined> }>;
type Scope = { version: WireVersion; principal: ApiKeyPrincipal; controller: AbortController; body: () => unknown };
type Handler = (req: Req, scope: Scope) => RestCall | { stream: StreamMethodName; params: unknown };

/**
 * The HTTP+JSON binding for both versions: the same methods, auth and errors as JSON-RPC, with errors as HTTP
 * statuses (spec §5.4). The path picks the version; an `A2A-Version` header that names another one is -32009.
 */
export const registerRest = (app: FastifyInstance, deps: RestRouteDeps): void => {
  const fail = (reply: FastifyReply, error: unknown, version: WireVersion) => {
    const e = toA2AError(error);
    if (e.code === 'internal') deps.logger.error({ err: error }, 'a2a rest request failed');
    if (e.code === 'unauthenticated') void reply.header('www-authenticate', 'Bearer');
    return reply.code(statusOverride(error) ?? e.restStatus).type('application/json').send(restErrorBody(e, version));
  };

  const route = (version: WireVersion, handler: Handler) => async (req: Req, reply: FastifyReply) => {
    try {
      const principal = await deps.authenticate(req.headers);
      await assertNamedTenant(deps.slugOf, { tenant: req.params['tenant'], principal, namedBy: 'the path' });
      const asked = req.headers['a2a-version'];
      if (asked !== undefined && asked !== '' && negotiateVersion(asked) !== version) {
        throw new A2AError('version_not_supported', `A2A-Version ${String(asked)} does not match this path, which speaks ${version}`);
      }
      const raw = typeof req.body === 'string' ? req.body : '';
      if (req.method === 'POST') assertJsonBody(req.headers['content-type'], raw.trim() !== '' || req.body !== undefined);
      const scope: Scope = { version, principal, controller: abortOnDisconnect(req, reply), body: () => (raw.trim() === '' ? null : parseJson(raw)) };
      const op = handler(req, scope);
      const call = { registry: deps.registry, version, principal, ctx: { signal: scope.controller.signal, version } };
      if ('stream' in op) {
        const events = await openStream(op.stream, { ...call, params: op.params });
        const frameError = (error: unknown) => restErrorBody(toA2AError(error), version);
        return await writeSse({ reply, events, controller: scope.controller, frame: (e) => restStreamItem(version, e), frameError });
      }
      const result = await callUnary(op.method, { ...call, params: op.params });
      if (op.status === 204) return reply.code(204).send();
      return reply.type('application/json').send(version === '1.0' ? result : rest03Result(op.method, result));
    } catch (error) {
      return fail(reply, error, version);
    }
  };

  /** `tasks/<id>`, `tasks/<id>:cancel`, `tasks/<id>:subscribe` share one path segment. */
  const taskRef = (ref: string): { id: string; verb: string | null } => {
    const at = ref.lastIndexOf(':');
    return at < 0 ? { id: ref, verb: null } : { id: ref.slice(0, at), verb: ref.slice(at + 1) };
  };
  const notFound = (path: string) => new A2AError('method_not_found', `No A2A operation at ${path}`);

  // v1.0 paths are served bare and under `/{tenant}`; static segments win over the parameter, so the slugs `v1`
  // and `tasks` cannot be used as a prefix (docs/a2a.md).
  const bases = [
    { version: '0.3' as const, base: `${REST_BASE}/v1` },
    { version: '1.0' as const, base: REST_BASE },
    { version: '1.0' as const, base: `${REST_BASE}/:tenant` },
  ];
  for (const { version, base } of bases) {
    const on = (method: 'GET' | 'POST' | 'DELETE', path: string, handler: Handler) => app.route({ method, url: `${base}${path}`, handler: route(version, handler) });
    on('POST', '/message::send', (_req, s) => ({ method: 'message/send', params: sendCall(version, s.body()) }));
    on('POST', '/message::stream', (_req, s) => ({ stream: 'message/stream', params: sendCall(version, s.body()) }));
    on('GET', '/tasks', (req) => listTasksCall(version, req.query));
    on('GET', '/tasks/:ref', (req) => {
      const { id, verb } = taskRef(req.params['ref'] ?? '');
      if (verb === 'subscribe') return { stream: 'tasks/resubscribe', params: { id } };
      if (verb !== null) throw notFound(req.url);
      return getTaskCall(id, req.query);
    });
    on('POST', '/tasks/:ref', (req, s) => {
      const { id, verb } = taskRef(req.params['ref'] ?? '');
      const body = (s.body() ?? {}) as Record<string, unknown>;
      if (verb === 'cancel') return { method: 'tasks/cancel', params: { ...body, id } };
      if (verb === 'subscribe') return { stream: 'tasks/resubscribe', params: { id } };
      throw notFound(req.url);
    });
    on('POST', '/tasks/:id/pushNotificationConfigs', (req, s) => pushSetCall(version, req.params['id'] ?? '', s.body()));
    on('GET', '/tasks/:id/pushNotificationConfigs', (req) => pushListCall(version, req.params['id'] ?? ''));
    const config = (method: 'tasks/pushNotificationConfig/get' | 'tasks/pushNotificationConfig/delete') => (req: Req) =>
      pushConfigCall(version, { method, taskId: req.params['id'] ?? '', configId: req.params['configId'] ?? '' });
    on('GET', '/tasks/:id/pushNotificationConfigs/:configId', config('tasks/pushNotificationConfig/get'));
    on('DELETE', '/tasks/:id/pushNotificationConfigs/:configId', config('tasks/pushNotificationConfig/delete'));
    on('GET', version === '0.3' ? '/card' : '/extendedAgentCard', () => ({ method: 'agent/getAuthenticatedExtendedCard', params: {} }));
  }
};
