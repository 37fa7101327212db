/**
 * The gateway's closed set of A2A errors. A2A assigns -32001…-32009; -32050… are ours (the JSON-RPC
 * server-error range), documented in docs/a2a.md. Each code carries:
 * - `httpStatus`: the HTTP status of a JSON-RPC answer (200 for protocol errors, which the binding answers
 *   in-band; a real status where HTTP has one, such as authentication);
 * - `restStatus`: the HTTP status of the same error over the REST binding (spec §5.4, a2a-js's v0.3 table);
 * - `grpc` + `reason`: the google.rpc.Status name and ErrorInfo reason of v1.0 errors.
 */
export const A2A_ERRORS = {
  parse_error: { code: -32700, httpStatus: 200, restStatus: 400, grpc: 'INVALID_ARGUMENT', reason: 'PARSE_ERROR' },
  invalid_request: { code: -32600, httpStatus: 200, restStatus: 400, grpc: 'INVALID_ARGUMENT', reason: 'INVALID_REQUEST' },
  method_not_found: { code: -32601, httpStatus: 200, restStatus: 501, grpc: 'UNIMPLEMENTED', reason: 'METHOD_NOT_FOUND' },
  invalid_params: { code: -32602, httpStatus: 200, restStatus: 400, grpc: 'INVALID_ARGUMENT', reason: 'INVALID_PARAMS' },
  internal: { code: -32603, httpStatus: 200, restStatus: 500, grpc: 'INTERNAL', reason: 'INTERNAL_ERROR' },
  task_not_found: { code: -32001, httpStatus: 200, restStatus: 404, grpc: 'NOT_FOUND', reason: 'TASK_NOT_FOUND' },
  task_not_cancelable: { code: -32002, httpStatus: 200, restStatus: 400, grpc: 'FAILED_PRECONDITION', reason: 'TASK_NOT_CANCELABLE' },
  push_not_supported: { code: -32003, httpStatus: 200, restStatus: 400, grpc: 'FAILED_PRECONDITION', reason: 'PUSH_NOTIFICATION_NOT_SUPPORTED' },
  unsupported_operation: { code: -32004, httpStatus: 200, restStatus: 400, grpc: 'FAILED_PRECONDITION', reason: 'UNSUPPORTED_OPERATION' },
  content_type_not_supported: { code: -32005, httpStatus: 200, restStatus: 400, grpc: 'INVALID_ARGUMENT', reason: 'CONTENT_TYPE_NOT_SUPPORTED' },
  version_not_supported: { code: -32009, httpStatus: 200, restStatus: 400, grpc: 'FAILED_PRECONDITION', reason: 'VERSION_NOT_SUPPORTED' },
  unauthenticated: { code: -32050, httpStatus: 401, restStatus: 401, grpc: 'UNAUTHENTICATED', reason: 'UNAUTHENTICATED' },
  forbidden: { code: -32051, httpStatus: 403, restStatus: 403, grpc: 'PERMISSION_DENIED', reason: 'PERMISSION_DENIED' },
  rate_limited: { code: -32052, httpStatus: 429, restStatus: 429, grpc: 'RESOURCE_EXHAUSTED', reason: 'RATE_LIMITED' },
  payload_too_large: { code: -32053, httpStatus: 413, restStatus: 413, grpc: 'INVALID_ARGUMENT', reason: 'PAYLOAD_TOO_LARGE' },
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
  get restStatus(): number {
    return A2A_ERRORS[this.code].restStatus;
  }
}

/** Anything that is not an A2AError is a bug or an outage: the caller learns nothing of its insides. */
export const toA2AError = (error: unknown): A2AError =>
  error instanceof A2AError ? error : new A2AError('internal', 'internal error');

const DOMAIN = 'a2a-protocol.org';

/**
 * v1.0 puts ProtoJSON `Any` details in `error.data` (JSON-RPC) and `error.details` (REST): an ErrorInfo with
 * the reason first, then our own detail (issues, reason codes) when there is one.
 */
export const v1ErrorDetails = (error: A2AError): unknown[] => [
  { '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason: A2A_ERRORS[error.code].reason, domain: DOMAIN },
  ...(error.data === undefined ? [] : [{ '@type': 'type.googleapis.com/google.protobuf.Struct', value: error.data }]),
];

/** The REST error body: v0.3 (a2a-js) answers bare `{code, message, data?}`; v1.0 the google.rpc.Status JSON. */
export const restErrorBody = (error: A2AError, version: '0.3' | '1.0') =>
  version === '0.3'
    ? { code: error.rpcCode, message: error.message, ...(error.data === undefined ? {} : { data: error.data }) }
    : { error: { code: error.restStatus, status: A2A_ERRORS[error.code].grpc, message: error.message, details: v1ErrorDetails(error) } };
