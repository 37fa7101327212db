/**
 * Why an external call failed, in words the calling model reads (never a credential), and the step failure
 * code its node records: `timeout` when the remote did not finish in time, `tool_error` for everything else.
 */
export class ExternalCallError extends Error {
  override readonly name = 'ExternalCallError';
  constructor(
    readonly code: 'tool_error' | 'timeout',
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}
