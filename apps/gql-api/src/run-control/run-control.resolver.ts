import { isExpectedVersionConflictError, STREAM_DOES_NOT_EXIST } from '@event-driven-io/emmett';
import { isTerminalStep } from '@shaman/domain';
import type { JetStreamEventStore } from '@shaman/event-store';
import { runLifecycleStream, stepRequestStream, type Initiator, type Part, type RunCancelRequested, type RunCreated, type StepAddress, type StepInputProvided } from '@shaman/events';
import { deterministicId, newId } from '@shaman/platform';
import { z } from 'zod';
import { gqlError } from '../errors.js';
import type { GqlContext } from '../graphql/context.js';
import { userError, type UserError } from '../graphql/user-error.js';
import { addressOfStep, loadLoggedStep } from './step-log.js';

const Uuid = z.uuid();
const REASON_MAX = 2000;
const INPUT_MAX = 100_000;

const storeOf = (ctx: GqlContext): JetStreamEventStore => {
  if (!ctx.store) throw gqlError('INTERNAL', 'run control is not configured on this server (no event store)');
  return ctx.store;
};

// Who asked, as events record it: people as users; keys (a service account's too) as the key.
const initiatorOf = (ctx: GqlContext): Initiator =>
  ctx.principal.userId ? { kind: 'user', id: ctx.principal.userId } : { kind: 'api_key', id: ctx.principal.keyId ?? ctx.principal.actor.id };

const cancelEvent = (ctx: GqlContext, address: StepAddress, reason: string | null | undefined): RunCancelRequested => ({
  type: 'RunCancelRequested',
  data: { reason: reason ?? 'canceled through GraphQL', requestedBy: initiatorOf(ctx) },
  // The same id the gateway's tasks/cancel uses: one cancel per step, however many times it is asked for.
  metadata: { ...address, eventId: deterministicId(address.stepId, 'cancel'), at: new Date().toISOString() } as RunCancelRequested['metadata'],
});

const unfinishedSteps = async (ctx: GqlContext, runId: string): Promise<StepAddress[]> => {
  const rows = await ctx.read(async (c) =>
    (await c.query<{ id: string }>("SELECT id FROM steps WHERE org_id = $1 AND run_id = $2 AND status NOT IN ('completed', 'failed', 'canceled') ORDER BY depth, created_at", [ctx.principal.orgId, runId])).rows,
  );
  return rows.map((r) => ({ orgId: ctx.principal.orgId, runId, stepId: r.id }) as StepAddress);
};

const runExists = (ctx: GqlContext, runId: string): Promise<boolean> =>
  ctx.read(async (c) => (await c.query('SELECT 1 FROM runs WHERE org_id = $1 AND id = $2', [ctx.principal.orgId, runId])).rowCount === 1);

/**
 * Records a cancel request for every unfinished step (children may already be gone when their parent's cancel
 * reaches them; the executor propagates it too). The decision per step reads its log.
 */
const cancelSteps = async (ctx: GqlContext, addresses: readonly StepAddress[], reason: string | null | undefined): Promise<string[]> => {
  const store = storeOf(ctx);
  const canceled: string[] = [];
  for (const address of addresses) {
    const step = await loadLoggedStep(store, address);
    if (isTerminalStep(step.state) || step.state.status === 'absent') continue;
    const event = cancelEvent(ctx, address, reason);
    await store.appendToStream(stepRequestStream(address), [event]);
    canceled.push(address.stepId);
  }
  return canceled;
};

const reasonProblem = (reason: string | null | undefined): UserError[] =>
  reason != null && reason.length > REASON_MAX ? [userError('INVALID', `reason is at most ${REASON_MAX} characters`, 'reason')] : [];

const cancelRun = async (_: unknown, args: { runId: string; reason?: string | null }, ctx: GqlContext) => {
  if (!Uuid.safeParse(args.runId).success) return { canceledStepIds: [], errors: [userError('INVALID', 'runId is not an id', 'runId')] };
  const invalid = reasonProblem(args.reason);
  if (invalid.length > 0) return { canceledStepIds: [], errors: invalid };
  if (!(await runExists(ctx, args.runId))) return { canceledStepIds: [], errors: [userError('NOT_FOUND', 'no such run', 'runId')] };
  return { canceledStepIds: await cancelSteps(ctx, await unfinishedSteps(ctx, args.runId), args.reason), errors: [] };
};

const stepAddress = async (ctx: GqlContext, stepId: string): Promise<StepAddress | UserError> => {
  if (!Uuid.safeParse(stepId).success) return userError('INVALID', 'stepId is not an id', 'stepId');
  return (await ctx.read((c) => addressOfStep(c, ctx.principal.orgId, stepId))) ?? userError('NOT_FOUND', 'no such step', 'stepId');
};

const cancelStep = async (_: unknown, args: { stepId: string; reason?: string | null }, ctx: GqlContext) => {
  const invalid = reasonProblem(args.reason);
  if (invalid.length > 0) return { canceledStepIds: [], errors: invalid };
  const address = await stepAddress(ctx, args.stepId);
  if ('code' in address) return { canceledStepIds: [], errors: [address] };
  const canceled = await cancelSteps(ctx, [address], args.reason);
  return canceled.length > 0 ? { canceledStepIds: canceled, errors: [] } : { canceledStepIds: [], errors: [userError('INVALID', 'the step has already finished', 'stepId')] };
};

/**
 * Answers the question a step is waiting on. One answer per question: the event id derives from the pending
 * tool call, and the append expects the request subject's last sequence, so of two racing answers one wins.
 */
const answer = async (ctx: GqlContext, stepId: string, parts: Part[]) => {
  const address = await stepAddress(ctx, stepId);
  if ('code' in address) return { stepId: null, errors: [address] };
  const store = storeOf(ctx);
  const step = await loadLoggedStep(store, address);
  const waiting = step.state.status === 'working' && step.state.awaitingInput && step.state.awaitingInput.answer === null ? step.state.awaitingInput : null;
  if (!waiting) return { stepId: null, errors: [userError('INVALID', `the step is not waiting for input (${step.state.status})`, 'stepId')] };
  const eventId = deterministicId(stepId, 'input', waiting.toolCallId);
  const event: StepInputProvided = {
    type: 'StepInputProvided',
    data: { message: { messageId: eventId, role: 'user', parts }, providedBy: initiatorOf(ctx) },
    metadata: { ...address, eventId, at: new Date().toISOString() } as StepInputProvided['metadata'],
  };
  try {
    await store.appendToStream(stepRequestStream(address), [event], { expectedStreamVersion: step.requestVersion });
  } catch (error) {
    if (!isExpectedVersionConflictError(error)) throw error;
    return { stepId: null, errors: [userError('INVALID', 'the question was answered (or the step changed) meanwhile', 'stepId')] };
  }
  return { stepId, errors: [] };
};

const provideInput = async (_: unknown, args: { stepId: string; text: string }, ctx: GqlContext) => {
  if (args.text.trim() === '' || args.text.length > INPUT_MAX) return { stepId: null, errors: [userError('INVALID', `text must be 1–${INPUT_MAX} characters`, 'text')] };
  return answer(ctx, args.stepId, [{ kind: 'text', text: args.text }]);
};

const skipInput = async (_: unknown, args: { stepId: string; reason?: string | null }, ctx: GqlContext) => {
  const invalid = reasonProblem(args.reason);
  if (invalid.length > 0) return { stepId: null, errors: invalid };
  // Structured, so the model can tell a skipped question from an answer that happens to say "skipped".
  return answer(ctx, args.stepId, [{ kind: 'data', data: { skipped: true, ...(args.reason ? { reason: args.reason } : {}) } }]);
};

const createRun = async (_: unknown, args: { input?: { label?: string | null; idempotencyKey?: string | null } | null }, ctx: GqlContext) => {
  const label = args.input?.label ?? null;
  const key = args.input?.idempotencyKey ?? null;
  const errors: UserError[] = [];
  if (label !== null && (label.length === 0 || label.length > 200)) errors.push(userError('INVALID', 'label must be 1–200 characters', 'input.label'));
  if (key !== null && (key.length === 0 || key.length > 200)) errors.push(userError('INVALID', 'idempotencyKey must be 1–200 characters', 'input.idempotencyKey'));
  if (errors.length > 0) return { runId: null, errors };
  const store = storeOf(ctx);
  const { orgId } = ctx.principal;
  // A key makes the id (and the event id) a function of it, so a retry is a duplicate JetStream drops.
  const runId = key === null ? newId() : deterministicId(orgId, 'created-run', key);
  const event: RunCreated = {
    type: 'RunCreated',
    data: { initiator: initiatorOf(ctx), label },
    metadata: { eventId: deterministicId(runId, 'created'), orgId, runId, at: new Date().toISOString() } as RunCreated['metadata'],
  };
  try {
    // Only the first createRun of a key records the run; a retry (whatever its label) finds it and answers its id.
    await store.appendToStream(runLifecycleStream(orgId, runId), [event], { expectedStreamVersion: STREAM_DOES_NOT_EXIST });
  } catch (error) {
    if (!isExpectedVersionConflictError(error)) throw error;
  }
  return { runId, errors: [] };
};

export const runControlResolvers = { Mutation: { createRun, cancelRun, cancelStep, provideInput, skipInput } };
