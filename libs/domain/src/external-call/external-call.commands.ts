import type { CommandMetadata } from '../step/step.commands.js';

/** The calling executor is about to send the message to the external agent. */
export type StartExternalCall = { type: 'StartExternalCall'; data: { executorId: string }; metadata: CommandMetadata };
/** The external agent answered (its task completed, or it replied with a message). */
export type CompleteExternalCall = { type: 'CompleteExternalCall'; data: { text: string }; metadata: CommandMetadata };
/** The call failed: the remote task failed or was rejected, the server refused, or it did not answer in time. */
export type FailExternalCall = { type: 'FailExternalCall'; data: { code: 'tool_error' | 'timeout'; message: string }; metadata: CommandMetadata };
/** The calling step was canceled while it waited. */
export type CancelExternalCall = { type: 'CancelExternalCall'; data: { reason: string }; metadata: CommandMetadata };

export type ExternalCallCommand = StartExternalCall | CompleteExternalCall | FailExternalCall | CancelExternalCall;
