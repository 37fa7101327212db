/** Why an internal call token was refused. Each has its own test (internal-token.unit.spec.ts). */
export type InternalTokenErrorCode =
  | 'malformed'
  | 'alg_not_allowed'
  | 'bad_signature'
  | 'bad_issuer'
  | 'bad_audience'
  | 'expired'
  | 'not_yet_valid'
  | 'lifetime_too_long'
  | 'replayed'
  | 'missing_claims';

/** One error type over a closed code set; the message is safe to show (it never echoes the token). */
export class InternalTokenError extends Error {
  override readonly name = 'InternalTokenError';
  constructor(
    readonly code: InternalTokenErrorCode,
    message?: string,
    options?: ErrorOptions,
  ) {
    super(message ?? code, options);
  }
}
