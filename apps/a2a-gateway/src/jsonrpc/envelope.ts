import { z } from 'zod';
import { A2AError, v1ErrorDetails } from '../errors.js';
import type { WireVersion } from '../protocol/version.js';
import { MAX_JSON_DEPTH, nestsDeeperThan } from './json-depth.js';

export type RpcId = string | number | null;
/** One call of a (possibly batched) body. A notification (no `id` member) gets no answer. */
export type RpcRequest = { id: RpcId; method: string; params: unknown; notification: boolean };

const Envelope = z.object({
  jsonrpc: z.literal('2.0'),
  id: z.union([z.string(), z.number().int(), z.null()]).optional(),
  method: z.string().min(1),
  params: z.union([z.record(z.string(), z.unknown()), z.array(z.unknown())]).optional(),
});

/** The id to echo even when the rest is invalid (JSON-RPC §5: null when it cannot be determined). */
export const readableId = (body: unknown): RpcId => {
  const id = body !== null && typeof body === 'object' && !Array.isArray(body) ? (body as { id?: unknown }).id : undefined;
  return typeof id === 'string' || (typeof id === 'number' && Number.isInteger(id)) ? id : null;
};

export const withRpcId = (error: A2AError, id: RpcId): A2AError => Object.assign(error, { rpcId: id });

/** Raw body text → JSON, or -32700 (answered with id null); JSON nested past MAX_JSON_DEPTH is -32600. */
export const parseJson = (raw: string): unknown => {
  if (nestsDeeperThan(raw)) throw withRpcId(new A2AError('invalid_request', `Invalid Request: the JSON nests deeper than ${MAX_JSON_DEPTH} levels`), null);
  try {
    return JSON.parse(raw) as unknown;
  } catch {
    throw withRpcId(new A2AError('parse_error', 'Parse error: the body is not valid JSON'), null);
  }
};

/** One JSON value → a JSON-RPC request, or -32600 carrying the id to answer with. */
export const parseRequest = (body: unknown): RpcRequest => {
  const parsed = Envelope.safeParse(body);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message }));
    throw withRpcId(new A2AError('invalid_request', 'Invalid Request: not a JSON-RPC 2.0 request', issues), readableId(body));
  }
  return { id: parsed.data.id ?? null, method: parsed.data.method, params: parsed.data.params, notification: !('id' in (body as object)) };
};

export const rpcResult = (id: RpcId, result: unknown) => ({ jsonrpc: '2.0' as const, id, result });

/** v0.3 puts our own detail in `data`; v1.0 makes `data` a list of ProtoJSON `Any` (ErrorInfo first). */
export const rpcError = (id: RpcId, error: A2AError, version: WireVersion = '0.3') => ({
  jsonrpc: '2.0' as const,
  id,
  error: {
    code: error.rpcCode,
    message: error.message,
    ...(version === '1.0' ? { data: v1ErrorDetails(error) } : error.data === undefined ? {} : { data: error.data }),
  },
});

/** Validates method params with a zod schema; failures are -32602 with every issue listed. */
export const parseParams = <T extends z.ZodType>(schema: T, params: unknown): z.infer<T> => {
  const parsed = schema.safeParse(params);
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message }));
  throw new A2AError('invalid_params', `Invalid params: ${issues.map((i) => `${i.path || '(root)'}: ${i.message}`).join('; ')}`, issues);
};
