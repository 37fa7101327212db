import { z } from 'zod';
import { A2AError } from '../errors.js';

export type RpcId = string | number | null;
export type RpcRequest = { id: RpcId; method: string; params: unknown };

const Envelope = z.object({
  jsonrpc: z.literal('2.0'),
  id: z.union([z.string(), z.number().int(), z.null()]).optional(),
  method: z.string().min(1),
  params: z.union([z.record(z.string(), z.unknown()), z.array(z.unknown())]).optional(),
});

/** The id to echo even when the rest is invalid (JSON-RPC §5: null when it cannot be determined). */
const readableId = (body: unknown): RpcId => {
  const id = (body as { id?: unknown } | null)?.id;
  return typeof id === 'string' || (typeof id === 'number' && Number.isInteger(id)) ? id : null;
};

/** Parses raw body text into a JSON-RPC request, or throws the exact protocol error and the id to answer with. */
export const parseEnvelope = (raw: string): RpcRequest => {
  let body: unknown;
  try {
    body = JSON.parse(raw);
  } catch {
    throw Object.assign(new A2AError('parse_error', 'Parse error: the body is not valid JSON'), { rpcId: null });
  }
  const parsed = Envelope.safeParse(body);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message }));
    throw Object.assign(new A2AError('invalid_request', 'Invalid Request: not a JSON-RPC 2.0 request', issues), { rpcId: readableId(body) });
  }
  return { id: parsed.data.id ?? null, method: parsed.data.method, params: parsed.data.params };
};

export const rpcResult = (id: RpcId, result: unknown) => ({ jsonrpc: '2.0' as const, id, result });

export const rpcError = (id: RpcId, error: A2AError) => ({
  jsonrpc: '2.0' as const,
  id,
  error: { code: error.rpcCode, message: error.message, ...(error.data === undefined ? {} : { data: error.data }) },
});

/** Validates method params with a zod schema; failures are -32602 with every issue listed. */
export const parseParams = <T extends z.ZodType>(schema: T, params: unknown): z.infer<T> => {
  const parsed = schema.safeParse(params);
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message }));
  throw new A2AError('invalid_params', `Invalid params: ${issues.map((i) => `${i.path || '(root)'}: ${i.message}`).join('; ')}`, issues);
};
