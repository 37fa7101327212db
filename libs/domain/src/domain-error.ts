/** The closed set of reasons a decider refuses a command. */
export type DomainErrorCode =
  | 'step.not_requested'
  | 'step.already_claimed'
  | 'step.not_working'
  | 'step.terminal'
  | 'step.iteration_mismatch'
  | 'step.unknown_tool_call'
  | 'step.not_finished'
  | 'step.awaiting_input'
  | 'step.awaiting_child'
  | 'step.unknown_child';

export class DomainError extends Error {
  override readonly name = 'DomainError';
  constructor(
    readonly code: DomainErrorCode,
    message?: string,
    options?: ErrorOptions,
  ) {
    super(message ?? code, options);
  }
}
