/**
 * The gateway's closed set of JSON-RPC errors. A2A assigns -32001…-32009; -32050… are ours (the JSON-RPC
 * server-error range), documented in docs/a2a.md. `httpStatus` is 200 for protocol errors (the A2A JSON-RPC
 * binding answers them in-band) and a real status where HTTP has one (authentication).
 */
export const A2A_ERRORS = {
  parse_error: { code: -32700, httpStatus: 200 },
  invalid_request: { code: -32600, httpStatus: 200 },
  method_not_found: { code: -32601, httpStatus: 200 },
  invalid_params: { code: -32602, httpStatus: 200 },
  internal: { code: -32603, httpStatus: 200 },
  task_not_found: { code: -32001, httpStatus: 200 },
  task_not_cancelable: { code: -32002, httpStatus: 200 },
  push_not_supported: { code: -32003, httpStatus: 200 },
  unsupported_operation: { code: -32004, httpStatus: 200 },
  unauthenticated: { code: -32050, httpStatus: 401 },
  forbidden: { code: -32051, httpStatus: 403 },
} as const;

export type A2AErrorCode = keyof typeof A2A_ERRORS;

export class A2AError extends Error {
  override readonly name = 'A2AError';
  constructor(
    readonly code: A2AErrorCode,
    message: string,
    readonly data?: unknown,
  ) {
    super(message);
  }
  get rpcCode(): number {
    return A2A_ERRORS[this.code].code;
  }
  get httpStatus(): number {
    return A2A_ERRORS[this.code].httpStatus;
  }
}

/** Anything that is not an A2AError is a bug or an outage: the caller learns nothing of its insides. */
export const toA2AError = (error: unknown): A2AError =>
  error instanceof A2AError ? error : new A2AError('internal', 'internal error');
