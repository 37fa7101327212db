import type { AgentCalled, OfferedTool, RunDataWritten, StepEvent, ToolResulted } from '@shaman/events';
import { toolOutcome, type Tool, type ToolSource } from '@shaman/executor';

/** One recorded event of a step with the stream sequence of its commit (what was decided together). */
export type SequencedStepEvent = { seq: number; event: StepEvent };

type RecordedCall = { result: ToolResulted['data'] | null; facts: RunDataWritten['data'][]; child: AgentCalled['data'] | null };
/** A recorded `ToolsOffered` and the first model call it applies to. */
type Offer = { fromIteration: number; tools: OfferedTool[] };

/**
 * A tool source that answers from a recording instead of MCP servers, the database or other agents: for the
 * step being re-executed it offers exactly the tools the recording says its model was offered (`ToolsOffered`),
 * and each call returns what was recorded for that call id (its `ToolResulted`, the `RunDataWritten` facts of
 * the same commit). A `call_agent` call returns the recorded child (`AgentCalled`), so the loop records the call
 * and parks as it did; the child's end is fed to the step from the recording (reexecute-run.ts). Nothing calls out.
 */
export type RecordedTools = {
  source: ToolSource;
  /** Starts a step: its recorded events, in order. */
  load(events: readonly SequencedStepEvent[]): void;
};

const offersOf = (events: readonly SequencedStepEvent[]): Offer[] => {
  let answers = 0;
  const offers: Offer[] = [];
  for (const { event } of events) {
    if (event.type === 'LlmResponded') answers += 1;
    // Recorded right before the answer it applies to, in that answer's commit.
    if (event.type === 'ToolsOffered') offers.push({ fromIteration: answers, tools: event.data.tools });
  }
  return offers;
};

const callsOf = (events: readonly SequencedStepEvent[]): Map<string, RecordedCall> => {
  const calls = new Map<string, RecordedCall>();
  const call = (id: string): RecordedCall => calls.get(id) ?? calls.set(id, { result: null, facts: [], child: null }).get(id)!;
  for (const { seq, event } of events) {
    if (event.type === 'AgentCalled') call(event.data.toolCallId).child = event.data;
    if (event.type !== 'ToolResulted') continue;
    const recorded = call(event.data.toolCallId);
    recorded.result = event.data;
    // The tool's facts are recorded in its result's commit, before the result.
    recorded.facts = events.flatMap((e) => (e.seq === seq && e.event.type === 'RunDataWritten' ? [e.event.data] : []));
  }
  return calls;
};

// A failed call's recorded output is `{ error }` (callToolActivity): throwing that message records it again.
const errorText = (output: unknown): string => {
  const error = (output as { error?: unknown } | null)?.error;
  return typeof error === 'string' ? error : JSON.stringify(output);
};

const replayed = (spec: OfferedTool, calls: () => ReadonlyMap<string, RecordedCall>): Tool => ({
  ...spec,
  invoke: async ({ call }) => {
    const recorded = calls().get(call.id);
    if (recorded?.child) {
      const { childStepId, agent, mode } = recorded.child;
      return toolOutcome(recorded.result?.output ?? { agent, taskId: childStepId }, [], { childStepId, agent, mode });
    }
    if (!recorded?.result) throw new Error(`tool call ${call.id} (${call.name}) has no result in the recording`);
    if (recorded.result.isError) throw new Error(errorText(recorded.result.output));
    return toolOutcome(
      recorded.result.output,
      recorded.facts.map(({ agent: _, ...fact }) => fact),
    );
  },
});

/** `modelCalls` says how many model calls the current step has made so far: which recorded offer applies now. */
export const createRecordedTools = (input: { modelCalls: () => number }): RecordedTools => {
  let offers: Offer[] = [];
  let calls = new Map<string, RecordedCall>();
  return {
    source: {
      toolsFor: async () => {
        const asked = input.modelCalls();
        // None recorded yet: the step was offered no tools (or was recorded before ToolsOffered existed).
        const offer = offers.filter((o) => o.fromIteration <= asked).at(-1);
        return new Map((offer?.tools ?? []).map((spec) => [spec.name, replayed(spec, () => calls)]));
      },
    },
    load: (events) => {
      offers = offersOf(events);
      calls = callsOf(events);
    },
  };
};
