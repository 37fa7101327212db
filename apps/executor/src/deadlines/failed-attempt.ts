import { decideStep, evolveStep, isTerminalStep, type CommandMetadata, type Step, type StepCommand } from '@shaman/domain';
import type { JetStreamEventStore } from '@shaman/event-store';
import type { FailureKind, StepAddress, StepFailureCode } from '@shaman/events';
import { LlmError } from '../llm/llm-provider.js';
import { McpToolsError } from '../tools/mcp-tools.error.js';
import { FencedError, appendStepEvents, loadStep, nextEventId, type StepHandle } from '../step-log.js';

/** A failed attempt, as the retry policy sees it. */
export type Failure = { kind: FailureKind; message: string; retryAfterMs?: number };

// Node's socket errors, undici's (fetch) and the NATS client's: a connection that failed, dropped or timed out, and
// JetStream (the event store) not answering or unavailable for a moment (a restart, a leader election).
const NETWORK_CODES: ReadonlySet<string> = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'UND_ERR_SOCKET', 'UND_ERR_CONNECT_TIMEOUT']);
const NETWORK_NAMES: ReadonlySet<string> = new Set(['ConnectionError', 'ClosedConnectionError', 'DrainingConnectionError', 'RequestError', 'TimeoutError', 'NoResponders', 'JetStreamNotEnabled', 'JetStreamError', 'JetStreamStatusError']);
/** Errors wrap their causes (`fetch failed` → ECONNREFUSED); a few levels are enough to find the real one. */
const MAX_CAUSE_DEPTH = 4;

const kindOf = (error: unknown, depth = 0): FailureKind => {
  if (error instanceof LlmError) return 'model';
  if (error instanceof McpToolsError) return 'tool';
  const { name, code, cause, status } = (error ?? {}) as { name?: unknown; code?: unknown; cause?: unknown; status?: unknown };
  if ((typeof code === 'string' && NETWORK_CODES.has(code)) || (typeof name === 'string' && NETWORK_NAMES.has(name))) return 'network';
  if (name === 'JetStreamApiError' && status === 503) return 'network';
  return cause !== undefined && depth < MAX_CAUSE_DEPTH ? kindOf(cause, depth + 1) : 'internal';
};

/** Which kind of failure an attempt met: a model provider's, a tool source's, the network's, or anything else. */
export const classifyFailure = (error: unknown): Failure => {
  const asked = (error as { retryAfterMs?: unknown } | null)?.retryAfterMs;
  const message = (error instanceof Error ? error.message : String(error)).slice(0, 2000);
  return { kind: kindOf(error), message, ...(typeof asked === 'number' && asked > 0 ? { retryAfterMs: asked } : {}) };
};

type Deps = { store: JetStreamEventStore; clock: () => Date };
type Intent = { [T in StepCommand['type']]: { type: T; data: Extract<StepCommand, { type: T }>['data'] } }[StepCommand['type']];

/** Decides the intents on the state each produces and appends them as one commit behind the fence. */
const record = async (deps: Deps, handle: StepHandle, intents: Intent[]): Promise<StepHandle> => {
  const at = deps.clock().toISOString();
  let state = handle.state;
  const events = intents.map((intent, i) => {
    const metadata: CommandMetadata = { at, eventId: nextEventId(handle, i) };
    const event = decideStep({ ...intent, metadata } as StepCommand, state);
    state = evolveStep(state, event);
    return event;
  });
  return appendStepEvents(deps.store, handle, events);
};

/**
 * Records that the attempt failed and when the step is tried again. 'fenced': another executor appended to the
 * step meanwhile and owns it now, so this delivery must be let go without a nak (the new owner settles it).
 */
export const recordRetry = async (deps: Deps, input: { address: StepAddress; attempt: number; failure: Failure; delayMs: number }): Promise<'recorded' | 'ended' | 'fenced'> => {
  const handle = await loadStep(deps.store, input.address);
  if (handle.state.status === 'absent' || isTerminalStep(handle.state)) return 'ended';
  const { kind, message } = input.failure;
  try {
    await record(deps, handle, [{ type: 'ScheduleRetry', data: { attempt: input.attempt, kind, delayMs: input.delayMs, error: message } }]);
    return 'recorded';
  } catch (error) {
    if (error instanceof FencedError) return 'fenced';
    throw error;
  }
};

/**
 * The last attempt failed: the step is dead-lettered and fails, in one commit, so callers see a terminal state
 * and the log says it gave up. Returns the step as it now stands (null when it was never requested).
 */
export const recordDeadLetter = async (deps: Deps, input: { address: StepAddress; attempts: number; failure: Failure; code: StepFailureCode }): Promise<Step | null> => {
  const handle = await loadStep(deps.store, input.address);
  if (handle.state.status === 'absent') return null;
  if (isTerminalStep(handle.state)) return handle.state; // ended before the crash that brought us here
  const { kind, message } = input.failure;
  const failed = await record(deps, handle, [
    { type: 'DeadLetterStep', data: { attempts: input.attempts, kind, error: message } },
    { type: 'FailStep', data: { code: input.code, message: `gave up after ${input.attempts} attempts (${kind} error): ${message}` } },
  ]);
  return failed.state;
};
