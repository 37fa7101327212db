/** Where the hostile inputs are sent: a running stack and a tenant's key. */
export type Target = { gatewayUrl: string; graphqlUrl: string; apiKey: string };

/**
 * One hostile input and how to judge the answer: `run` returns null when the server answered with a precise
 * error (the right protocol error shape, no 5xx), or why not.
 */
export type Probe = { category: string; name: string; run(target: Target): Promise<string | null> };

export type HttpAnswer = { status: number; text: string; json: unknown };

export const send = async (url: string, init: { method?: string; headers?: Record<string, string>; body?: string | Uint8Array }): Promise<HttpAnswer> => {
  const res = await fetch(url, { method: init.method ?? 'POST', headers: init.headers, body: init.body, signal: AbortSignal.timeout(15_000) });
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, text, json };
};

// The gateway's closed set (docs/a2a.md): JSON-RPC's and A2A's codes, and ours from -32050.
const RPC_CODES = new Set([-32700, -32600, -32601, -32602, -32603, -32001, -32002, -32003, -32004, -32005, -32006, -32007, -32008, -32009]);
const isKnownRpcCode = (code: unknown): boolean => typeof code === 'number' && (RPC_CODES.has(code) || (code <= -32050 && code >= -32099));

/** A JSON-RPC error with a known code (internal errors excluded: a hostile input must not reach a bug). */
export const judgeRpc = (answer: HttpAnswer, allowed?: readonly number[]): string | null => {
  if (answer.status >= 500) return `HTTP ${answer.status}: ${answer.text.slice(0, 200)}`;
  const entries = Array.isArray(answer.json) ? answer.json : [answer.json];
  if (entries.length === 0 || answer.json === undefined) return `not a JSON-RPC answer: ${answer.text.slice(0, 200)}`;
  for (const entry of entries) {
    const code = (entry as { error?: { code?: unknown } } | null)?.error?.code;
    if (!isKnownRpcCode(code) || code === -32603) return `answer is not a precise error: ${JSON.stringify(entry).slice(0, 200)}`;
    if (allowed && !allowed.includes(code as number)) return `code ${String(code)}, expected one of ${allowed.join(', ')}`;
  }
  return null;
};

/** An HTTP refusal (4xx) with a JSON body; `statuses` narrows it. */
export const judgeHttp = (answer: HttpAnswer, statuses: readonly number[]): string | null => {
  if (!statuses.includes(answer.status)) return `HTTP ${answer.status}, expected ${statuses.join('/')}: ${answer.text.slice(0, 200)}`;
  return answer.json === undefined ? `HTTP ${answer.status} without a JSON body` : null;
};

const GQL_CODES = new Set(['BAD_USER_INPUT', 'GRAPHQL_VALIDATION_FAILED', 'GRAPHQL_PARSE_FAILED', 'FORBIDDEN', 'UNAUTHENTICATED', 'NOT_FOUND', 'PERSISTED_QUERY_NOT_FOUND', 'BAD_REQUEST']);

/** A GraphQL error with a precise `extensions.code`, or a payload of typed user errors; never INTERNAL. */
export const judgeGql = (answer: HttpAnswer): string | null => {
  if (answer.status >= 500) return `HTTP ${answer.status}: ${answer.text.slice(0, 200)}`;
  const body = answer.json as { errors?: { extensions?: { code?: string } }[]; data?: Record<string, { errors?: unknown[] } | null> } | undefined;
  if (!body) return `not JSON: ${answer.text.slice(0, 200)}`;
  const codes = (body.errors ?? []).map((e) => e.extensions?.code ?? '(none)');
  if (codes.length > 0) return codes.every((c) => GQL_CODES.has(c)) ? null : `error codes ${codes.join(', ')}`;
  const payloads = Object.values(body.data ?? {});
  return payloads.length > 0 && payloads.every((p) => Array.isArray(p?.errors) && p.errors.length > 0) ? null : `accepted: ${answer.text.slice(0, 200)}`;
};
