import type { ApiKeyPrincipal, Logger } from '@shaman/platform';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { assertNamedTenant, type SlugLookup } from '../edge/tenancy.js';
import { A2AError, toA2AError } from '../errors.js';
import { assertJsonBody, statusOverride } from '../protocol/content-type.js';
import { callUnary, openStream, type MethodRegistry } from '../protocol/invoke.js';
import { internalMethodName, STREAM_METHODS } from '../protocol/method-names.js';
import type { MethodContext, StreamMethodName, UnaryMethodName } from '../protocol/methods.js';
import { abortOnDisconnect, writeSse } from '../protocol/sse.js';
import { streamEventToV1 } from '../protocol/v1-outbound.js';
import { negotiateVersion, type WireVersion } from '../protocol/version.js';
import { parseJson, parseRequest, readableId, rpcError, rpcResult, withRpcId, type RpcId, type RpcRequest } from './envelope.js';

export type RpcRouteDeps = {
  registry: MethodRegistry;
  authenticate: (headers: FastifyRequest['headers']) => Promise<ApiKeyPrincipal>;
  /** The slug of an organization: what a v1.0 request's `tenant` param must name. */
  slugOf: SlugLookup;
  logger: Logger;
};

type Scope = { version: WireVersion; principal: ApiKeyPrincipal; ctx: MethodContext; agent: string | undefined };

const idOf = (raw: string): RpcId => {
  try {
    return readableId(JSON.parse(raw));
  } catch {
    return null;
  }
};

/**
 * The JSON-RPC binding on `POST /a2a/v1` (the organization) and `POST /a2a/v1/agents/<name>` (one agent: sends
 * go to it). Per request: authenticate, pick the wire version from `A2A-Version`, then answer one call or a
 * batch. Protocol errors are HTTP 200 with a JSON-RPC error that echoes the id whenever it can be read.
 */
export const registerJsonRpc = (app: FastifyInstance, deps: RpcRouteDeps): void => {
  const errorAnswer = (id: RpcId, error: unknown, version: WireVersion) => {
    const e = toA2AError(error);
    if (e.code === 'internal') deps.logger.error({ err: error }, 'a2a request failed');
    return { status: e.httpStatus, body: rpcError((error as { rpcId?: RpcId }).rpcId ?? id, e, version), e };
  };
  const fail = (reply: FastifyReply, input: { id: RpcId; error: unknown; version: WireVersion }) => {
    const { status, body, e } = errorAnswer(input.id, input.error, input.version);
    if (e.code === 'unauthenticated') void reply.header('www-authenticate', 'Bearer');
    return reply.code(statusOverride(input.error) ?? status).send(body);
  };

  /** v1.0 params may name their tenant (the organization's slug), as the REST path's `/{tenant}` prefix does. */
  const checkTenant = async (scope: Scope, params: unknown): Promise<void> => {
    if (scope.version !== '1.0' || typeof params !== 'object' || params === null || !('tenant' in params)) return;
    const { tenant } = params;
    if (typeof tenant !== 'string') throw new A2AError('invalid_params', 'Invalid params: tenant must be a string');
    await assertNamedTenant(deps.slugOf, { tenant, principal: scope.principal, namedBy: 'params.tenant' });
  };

  /** One call of a batch: its response, or null for a notification. Streaming cannot be batched. */
  const answerOne = async (item: unknown, scope: Scope) => {
    let rpc: RpcRequest | null = null;
    try {
      rpc = parseRequest(item);
      const name = internalMethodName(scope.version, rpc.method);
      if (!name) throw new A2AError('method_not_found', `Method not found: ${rpc.method}`);
      if (STREAM_METHODS.has(name)) throw new A2AError('invalid_request', `Invalid Request: ${rpc.method} streams, and a batch cannot carry a stream`);
      await checkTenant(scope, rpc.params);
      const result = await callUnary(name as UnaryMethodName, { registry: deps.registry, ...scope, params: rpc.params });
      return rpc.notification ? null : rpcResult(rpc.id, result);
    } catch (error) {
      return rpc?.notification ? null : errorAnswer(rpc?.id ?? readableId(item), error, scope.version).body;
    }
  };

  const handle = (agentOf: (req: FastifyRequest) => string | undefined) => async (req: FastifyRequest, reply: FastifyReply) => {
    const raw = typeof req.body === 'string' ? req.body : '';
    let version: WireVersion = '0.3';
    let versionError: unknown = null;
    try {
      version = negotiateVersion(req.headers['a2a-version']);
    } catch (error) {
      versionError = error; // answered after authentication, which comes first
    }
    let principal: ApiKeyPrincipal;
    try {
      principal = await deps.authenticate(req.headers);
      assertJsonBody(req.headers['content-type'], true);
      if (versionError) throw versionError;
    } catch (error) {
      return fail(reply, { id: idOf(raw), error, version });
    }
    const controller = abortOnDisconnect(req, reply);
    const scope: Scope = { version, principal, ctx: { signal: controller.signal, version }, agent: agentOf(req) };
    let id: RpcId = null;
    try {
      const body = parseJson(raw);
      if (Array.isArray(body)) {
        if (body.length === 0) throw withRpcId(new A2AError('invalid_request', 'Invalid Request: an empty batch'), null);
        const answers = (await Promise.all(body.map((item) => answerOne(item, scope)))).filter((a) => a !== null);
        return answers.length > 0 ? reply.send(answers) : reply.code(204).send();
      }
      const rpc = parseRequest(body);
      id = rpc.id;
      const name = internalMethodName(version, rpc.method);
      if (!name) throw new A2AError('method_not_found', `Method not found: ${rpc.method}`);
      await checkTenant(scope, rpc.params);
      const call = { registry: deps.registry, ...scope, params: rpc.params };
      if (STREAM_METHODS.has(name)) {
        const events = await openStream(name as StreamMethodName, call);
        const frame = (e: Parameters<typeof streamEventToV1>[0]) => rpcResult(rpc.id, version === '1.0' ? streamEventToV1(e) : e);
        return await writeSse({ reply, events, controller, frame, frameError: (error) => errorAnswer(rpc.id, error, version).body });
      }
      const result = await callUnary(name as UnaryMethodName, call);
      return rpc.notification ? reply.code(204).send() : reply.send(rpcResult(id, result));
    } catch (error) {
      return fail(reply, { id, error, version });
    }
  };

  app.post('/a2a/v1', handle(() => undefined));
  app.post<{ Params: { name: string } }>('/a2a/v1/agents/:name', handle((req) => (req.params as { name: string }).name));
};
