import { z } from 'zod';
import { RunCancelRequested, RunRequested, StepInputProvided } from './run-events.js';
import {
  LlmResponded,
  StepCanceled,
  StepCompleted,
  StepFailed,
  StepInputRequired,
  StepResumed,
  StepStarted,
  ToolCalled,
  ToolResulted,
} from './step-events.js';
import { RunDataWritten, UsageRecorded } from './data-events.js';
import { AgentAwaited, AgentCalled, ChildStepEnded } from './agent-call-events.js';
import { StepDeadLettered, StepDeadlineExceeded, StepRetryScheduled } from './durability-events.js';
import { ToolsOffered } from './tool-events.js';

/** Events addressed to a step (its request subject): what callers ask for. */
export const RequestEvent = z.discriminatedUnion('type', [RunRequested, RunCancelRequested, StepInputProvided, ChildStepEnded, StepDeadlineExceeded]);
export type RequestEvent = z.infer<typeof RequestEvent>;

/** Events an executor records on a step's event subject. */
export const StepEvent = z.discriminatedUnion('type', [
  StepStarted,
  StepResumed,
  LlmResponded,
  ToolCalled,
  ToolResulted,
  StepInputRequired,
  StepCompleted,
  StepFailed,
  StepCanceled,
  RunDataWritten,
  UsageRecorded,
  AgentCalled,
  AgentAwaited,
  StepRetryScheduled,
  StepDeadLettered,
  ToolsOffered,
]);
export type StepEvent = z.infer<typeof StepEvent>;

/** Every event Shaman records. */
export const ShamanEvent = z.discriminatedUnion('type', [...RequestEvent.options, ...StepEvent.options]);
export type ShamanEvent = z.infer<typeof ShamanEvent>;
export type ShamanEventType = ShamanEvent['type'];

/** Types after which a step never changes again. */
export const TERMINAL_STEP_EVENTS = ['StepCompleted', 'StepFailed', 'StepCanceled'] as const satisfies readonly ShamanEventType[];
export type TerminalStepEvent = Extract<StepEvent, { type: (typeof TERMINAL_STEP_EVENTS)[number] }>;
export const isTerminalStepEvent = (event: ShamanEvent): event is TerminalStepEvent =>
  (TERMINAL_STEP_EVENTS as readonly string[]).includes(event.type);

const requestTypes: ReadonlySet<string> = new Set(RequestEvent.options.map((o) => o.shape.type.value));
/** Whether an event goes on a request subject (`req`) or an event subject (`evt`). */
export const isRequestEvent = (event: ShamanEvent): event is RequestEvent => requestTypes.has(event.type);
