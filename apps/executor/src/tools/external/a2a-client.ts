import { assertPublicUrl, injectTraceHeaders, UrlRefusedError } from '@shaman/platform';
import { METHODS, parseAnswer, sendParams, TERMINAL_STATES, type A2aVersion, type RemoteAnswer } from './a2a-wire.js';
import { ExternalCallError } from './external-call.error.js';

/** One external A2A endpoint as a call sees it: credentials already resolved into headers. */
export type RemoteEndpoint = { name: string; url: string; version: A2aVersion; headers: Readonly<Record<string, string>> };

export type A2aClientOptions = {
  fetch: typeof fetch;
  allowPrivateUrls: boolean;
  /** Polling of a task that is not finished: first delay, doubled up to `maxMs`. */
  poll?: { initialMs: number; maxMs: number };
  /** How long a best-effort `tasks/cancel` may take. */
  cancelTimeoutMs?: number;
  maxResponseBytes?: number;
};

const DEFAULT_POLL = { initialMs: 50, maxMs: 1000 };
const MAX_RESPONSE_BYTES = 8 * 1024 * 1024;

const sleep = (ms: number, signal: AbortSignal): Promise<void> =>
  new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const onAbort = () => (clearTimeout(timer), reject(signal.reason));
    const timer = setTimeout(() => (signal.removeEventListener('abort', onAbort), resolve()), ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });

/** The body as text, refusing more than `limit` bytes: a remote server is not trusted to answer sanely. */
const readCapped = async (response: Response, limit: number): Promise<string> => {
  const reader = response.body?.getReader();
  if (!reader) return '';
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel();
      throw new Error(`answer larger than ${limit} bytes`);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
};

const rpcErrorOf = (body: unknown): { code: unknown; message: unknown } | undefined => {
  const error = (body as { error?: unknown } | null)?.error;
  return typeof error === 'object' && error !== null ? (error as { code: unknown; message: unknown }) : undefined;
};

/**
 * A JSON-RPC client for external A2A servers of either protocol version (v0.3 `message/send`, v1.0
 * `SendMessage` with `A2A-Version: 1.0`). Every request passes the SSRF guard first (DESIGN §7) and follows
 * no redirects, so an allowed host cannot bounce the call to a private one.
 */
export const createA2aClient = (options: A2aClientOptions) => {
  const poll = options.poll ?? DEFAULT_POLL;
  const limit = options.maxResponseBytes ?? MAX_RESPONSE_BYTES;

  type Call = { method: string; params: Record<string, unknown> };

  const rpc = async (endpoint: RemoteEndpoint, { method, params }: Call, signal: AbortSignal): Promise<unknown> => {
    const who = `external agent ${endpoint.name}`;
    try {
      await assertPublicUrl(endpoint.url, { allowPrivate: options.allowPrivateUrls });
    } catch (error) {
      if (error instanceof UrlRefusedError) throw new ExternalCallError('tool_error', `${who}: ${error.message}`, { cause: error });
      throw error;
    }
    const headers: Record<string, string> = injectTraceHeaders({ 'content-type': 'application/json', accept: 'application/json', ...endpoint.headers });
    if (endpoint.version === '1.0') headers['a2a-version'] = '1.0';
    const body = JSON.stringify({ jsonrpc: '2.0', id: crypto.randomUUID(), method, params });
    let response: Response;
    let text: string;
    try {
      response = await options.fetch(endpoint.url, { method: 'POST', headers, body, redirect: 'error', signal });
      text = await readCapped(response, limit);
    } catch (error) {
      if (signal.aborted) throw signal.reason;
      throw new ExternalCallError('tool_error', `${who} could not be reached: ${(error as Error).message}`, { cause: error });
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = undefined;
    }
    const rpcError = rpcErrorOf(parsed);
    const detail = rpcError ? `: ${String(rpcError.message)}` : '';
    if (response.status === 401 || response.status === 403) {
      throw new ExternalCallError('tool_error', `${who} refused the credentials (HTTP ${response.status}${detail})`);
    }
    if (!response.ok) throw new ExternalCallError('tool_error', `${who} answered HTTP ${response.status}${detail}`);
    if (rpcError) throw new ExternalCallError('tool_error', `${who} answered ${method} with error ${String(rpcError.code)}${detail}`);
    if (parsed === undefined || typeof parsed !== 'object' || parsed === null || !('result' in parsed)) {
      throw new ExternalCallError('tool_error', `${who} answered ${method} with something that is not a JSON-RPC response`);
    }
    return parsed.result;
  };

  const answerOf = async (endpoint: RemoteEndpoint, call: Call, signal: AbortSignal): Promise<RemoteAnswer> => {
    const result = await rpc(endpoint, call, signal);
    try {
      return parseAnswer(endpoint.version, result);
    } catch (error) {
      throw new ExternalCallError('tool_error', `external agent ${endpoint.name} ${(error as Error).message} to ${call.method}`, { cause: error });
    }
  };

  /** Best effort: a server that cannot cancel, or does not answer in time, changes nothing for the caller. */
  const cancel = async (endpoint: RemoteEndpoint, taskId: string): Promise<void> => {
    await rpc(endpoint, { method: METHODS[endpoint.version].cancel, params: { id: taskId } }, AbortSignal.timeout(options.cancelTimeoutMs ?? 5000)).catch(() => undefined);
  };

  /**
   * Sends `text` and waits for the remote task to end, polling `tasks/get` with back-off. Resolves with the
   * answer's text; rejects with an `ExternalCallError` (failed, rejected, canceled or interrupted remotely, refused,
   * unreachable, or no end within `timeoutMs`) or, when `signal` aborts, with its reason after a best-effort
   * remote cancel. A remote `input-required` (or `auth-required`) is a failure: a calling agent has nobody to
   * ask, so the remote task is canceled rather than left waiting.
   */
  const send = async (endpoint: RemoteEndpoint, message: { messageId: string; text: string }, input: { signal: AbortSignal; timeoutMs: number }): Promise<string> => {
    const deadline = AbortSignal.timeout(input.timeoutMs);
    const signal = AbortSignal.any([input.signal, deadline]);
    const methods = METHODS[endpoint.version];
    let taskId: string | undefined;
    try {
      let answer = await answerOf(endpoint, { method: methods.send, params: sendParams(endpoint.version, message) }, signal);
      for (let delay = poll.initialMs; answer.kind === 'task' && !TERMINAL_STATES.has(answer.state); delay = Math.min(delay * 2, poll.maxMs)) {
        taskId = answer.id;
        if (answer.state === 'input-required' || answer.state === 'auth-required') break;
        await sleep(delay, signal);
        answer = await answerOf(endpoint, { method: methods.get, params: { id: answer.id } }, signal);
      }
      return await outcome(endpoint, answer, cancel);
    } catch (error) {
      if (!signal.aborted) throw error;
      if (taskId !== undefined) await cancel(endpoint, taskId);
      if (input.signal.aborted) throw input.signal.reason;
      throw new ExternalCallError('timeout', `external agent ${endpoint.name} did not answer within ${input.timeoutMs} ms`, { cause: error });
    }
  };

  return { send };
};

export type A2aClient = ReturnType<typeof createA2aClient>;

const outcome = async (endpoint: RemoteEndpoint, answer: RemoteAnswer, cancel: (e: RemoteEndpoint, id: string) => Promise<void>): Promise<string> => {
  const who = `external agent ${endpoint.name}`;
  if (answer.kind === 'message') return answer.text;
  const why = answer.statusText === '' ? '' : `: ${answer.statusText}`;
  switch (answer.state) {
    case 'completed':
      return answer.text;
    case 'input-required':
    case 'auth-required':
      await cancel(endpoint, answer.id);
      throw new ExternalCallError('tool_error', `${who} asked for ${answer.state === 'input-required' ? 'input' : 'authentication'}, which a calling agent cannot give${why}`);
    case 'rejected':
      throw new ExternalCallError('tool_error', `${who} rejected the task${why}`);
    case 'canceled':
      throw new ExternalCallError('tool_error', `${who} canceled the task${why}`);
    // Only a terminal or interrupted state gets here; the others are listed for the exhaustiveness check.
    case 'failed':
    case 'submitted':
    case 'working':
    case 'unknown':
      throw new ExternalCallError('tool_error', `${who} failed${why}`);
  }
};
