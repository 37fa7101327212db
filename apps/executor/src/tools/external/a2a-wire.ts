import { z } from 'zod';

/** The two A2A protocol versions an agents.json entry may name. */
export type A2aVersion = '0.3' | '1.0';

/** A remote task's state in the v0.3 spelling, whichever version the server speaks. */
export type RemoteState = 'submitted' | 'working' | 'input-required' | 'auth-required' | 'completed' | 'failed' | 'canceled' | 'rejected' | 'unknown';

/** What a `message/send` (`SendMessage`), `tasks/get` (`GetTask`) or `tasks/cancel` (`CancelTask`) answered. */
export type RemoteAnswer = { kind: 'message'; text: string } | { kind: 'task'; id: string; state: RemoteState; text: string; statusText: string };

export const TERMINAL_STATES: ReadonlySet<RemoteState> = new Set<RemoteState>(['completed', 'failed', 'canceled', 'rejected']);

/** JSON-RPC method names per version (docs/a2a.md, "JSON-RPC binding"). */
export const METHODS = {
  '0.3': { send: 'message/send', get: 'tasks/get', cancel: 'tasks/cancel' },
  '1.0': { send: 'SendMessage', get: 'GetTask', cancel: 'CancelTask' },
} as const satisfies Record<A2aVersion, Record<'send' | 'get' | 'cancel', string>>;

/**
 * Params of a send. Not blocking: the answer names the remote task at once, so a cancel can reach it while it
 * runs (a blocking send would hide its id until the end); the client then polls. `messageId` is the node's step
 * id, so a resent call (a caller resumed after a crash) is the same message to a server that deduplicates.
 */
export const sendParams = (version: A2aVersion, message: { messageId: string; text: string }): Record<string, unknown> =>
  version === '1.0'
    ? { message: { messageId: message.messageId, role: 'ROLE_USER', parts: [{ text: message.text }] }, configuration: { returnImmediately: true } }
    : { message: { kind: 'message', messageId: message.messageId, role: 'user', parts: [{ kind: 'text', text: message.text }] }, configuration: { blocking: false } };

// Lenient on purpose: servers add fields, and only the ones read below matter.
const Part = z.looseObject({ kind: z.string().optional(), text: z.string().optional(), data: z.unknown().optional() });
const Parts = z.array(Part).default([]);
const Message = z.looseObject({ parts: Parts, role: z.string().optional() });
const Task = z.looseObject({
  id: z.string().min(1),
  status: z.looseObject({ state: z.string(), message: Message.optional() }),
  artifacts: z.array(z.looseObject({ parts: Parts })).default([]),
  history: z.array(Message).default([]),
});

const partText = (part: z.infer<typeof Part>): string[] => {
  if (typeof part.text === 'string') return [part.text];
  if (part.data !== undefined && (part.kind === undefined || part.kind === 'data')) return [JSON.stringify(part.data)];
  return []; // files are not text a model can read
};
const textOf = (parts: readonly z.infer<typeof Part>[]): string => parts.flatMap(partText).join('\n\n');

/** `TASK_STATE_INPUT_REQUIRED` → `input-required`; v0.3 names pass through. */
const stateOf = (raw: string): RemoteState => {
  const name = raw.startsWith('TASK_STATE_') ? raw.slice('TASK_STATE_'.length).toLowerCase().replace(/_/g, '-') : raw;
  // v1.0 spells it CANCELED, the v0.3 REST proto CANCELLED.
  const state = name === 'cancelled' ? 'canceled' : name;
  const known: readonly string[] = ['submitted', 'working', 'input-required', 'auth-required', 'completed', 'failed', 'canceled', 'rejected'];
  return known.includes(state) ? (state as RemoteState) : 'unknown';
};

const fromTask = (task: z.infer<typeof Task>): RemoteAnswer => {
  const statusText = textOf(task.status.message?.parts ?? []);
  // The answer is in the artifacts; servers that reply without one put it in the status message or the history.
  const lastAgent = [...task.history].reverse().find((m) => m.role === 'agent' || m.role === 'ROLE_AGENT');
  const text = textOf(task.artifacts.flatMap((a) => a.parts)) || statusText || textOf(lastAgent?.parts ?? []);
  return { kind: 'task', id: task.id, state: stateOf(task.status.state), text, statusText };
};

/**
 * Reads a JSON-RPC `result`: a Task or a Message, v0.3 (`kind` discriminated) or v1.0 (`{task}|{message}` for a
 * send, a bare Task for get and cancel). Throws on anything else.
 */
export const parseAnswer = (version: A2aVersion, result: unknown): RemoteAnswer => {
  const wrapped = version === '1.0' && typeof result === 'object' && result !== null ? (result as Record<string, unknown>) : {};
  const candidate = wrapped['task'] ?? wrapped['message'] ?? result;
  const isMessage = version === '1.0' ? wrapped['message'] !== undefined && wrapped['task'] === undefined : (candidate as { kind?: unknown } | null)?.kind === 'message';
  if (isMessage) {
    const message = Message.safeParse(candidate);
    if (message.success) return { kind: 'message', text: textOf(message.data.parts) };
  } else {
    const task = Task.safeParse(candidate);
    if (task.success) return fromTask(task.data);
  }
  throw new Error('answered neither a task nor a message');
};
