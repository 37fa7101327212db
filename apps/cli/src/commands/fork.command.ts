import { readFile } from 'node:fs/promises';
import type { JetStreamEventStore } from '@shaman/event-store';
import { deterministicId } from '@shaman/platform';
import type { CliConfig } from '../config.js';
import type { Output } from '../output.js';
import { planFork, type ForkCut, type ForkOverrides, type ForkPlan } from '../replay/fork-plan.js';
import { loadRun, type LoadedRun } from '../replay/load-run.js';
import { readRunEvents, type RecordedEvent } from '../replay/run-recording.js';
import { refusedBelow } from '../replay/resolve-org.js';
import { withEventStore } from './event-store.js';

export type ForkInput = { runId?: string; at?: string; org?: string; model?: string; promptFile?: string };

const USAGE = 'usage: shaman fork <runId> --at <stepId|event seq> [--org <slug>] [--model <model>] [--prompt-file <file>] [--json]';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const parseCut = (at: string | undefined): ForkCut | null => {
  if (at === undefined) return null;
  if (UUID.test(at)) return { kind: 'step', stepId: at.toLowerCase() };
  return /^[1-9][0-9]{0,15}$/.test(at) ? { kind: 'seq', seq: Number(at) } : null;
};

/** The cut as a stream sequence (a step's is its request's), so `--at <step>` and `--at <its seq>` are one fork. */
const cutSeq = (events: readonly RecordedEvent[], cut: ForkCut): number =>
  cut.kind === 'seq' ? cut.seq : (events.find((e) => e.event?.type === 'RunRequested' && e.event.metadata.stepId === cut.stepId)?.seq ?? 0);

/** The overrides as given, or the usage error that refuses them (nothing is appended). */
const readOverrides = async (input: ForkInput): Promise<ForkOverrides | string> => {
  const out: ForkOverrides = {};
  if (input.model !== undefined) {
    if (!/^\S{1,200}$/.test(input.model)) return `--model must be a model name (1 to 200 characters, no spaces)`;
    out.model = input.model;
  }
  if (input.promptFile !== undefined) {
    const text = await readFile(input.promptFile, 'utf8').catch((error: unknown) => new Error(`--prompt-file ${input.promptFile}: ${(error as Error).message}`));
    if (text instanceof Error) return text.message;
    if (text.trim() === '' || text.length > 200_000) return `--prompt-file ${input.promptFile}: the system prompt must be 1 to 200,000 characters`;
    out.systemPrompt = text;
  }
  return out;
};

/** What the fork's run already holds (a re-run of the same fork): event ids, and the last sequence per subject. */
const existing = async (store: JetStreamEventStore, plan: ForkPlan, orgId: string): Promise<{ ids: Set<string>; lastSeq: Map<string, bigint> }> => {
  const ids = new Set<string>();
  const lastSeq = new Map<string, bigint>();
  for (const e of await readRunEvents(store, { orgId, runId: plan.runId })) {
    if (e.event) ids.add(e.event.metadata.eventId);
    lastSeq.set(e.subject, BigInt(e.seq));
  }
  return { ids, lastSeq };
};

/**
 * Appends the copied commits in the origin's order: each step's request first, then its events, each event
 * commit expecting the one before on its subject (the first an empty subject). The executor that picks a request
 * up waits for that step's whole prefix (`forkedFrom.prefixEvents`) before it touches the step, so the two cannot
 * interleave. Ids are deterministic, so running the same fork again appends only what a first, interrupted
 * attempt did not: a complete fork appends nothing. Returns how many commits were appended.
 */
const appendFork = (config: CliConfig, input: { plan: ForkPlan; orgId: string }): Promise<number> =>
  withEventStore(config, async (store) => {
    const { ids, lastSeq } = await existing(store, input.plan, input.orgId);
    let appended = 0;
    for (const commit of input.plan.commits) {
      if (commit.events.every((e) => ids.has(e.metadata.eventId))) continue;
      const subject = store.subjectOf(commit.stream);
      const options = commit.kind === 'evt' ? { expectedStreamVersion: lastSeq.get(subject) ?? 0n } : undefined;
      const result = await store.appendToStream(commit.stream, commit.events, options);
      lastSeq.set(subject, result.nextExpectedStreamVersion);
      appended += 1;
    }
    return appended;
  });

const printFork = (out: Output, input: { plan: ForkPlan; loaded: LoadedRun; appended: number; overrides: ForkOverrides }): void => {
  const { plan } = input;
  const summary = {
    runId: plan.runId,
    stepId: plan.stepId,
    forkedFrom: { runId: plan.origin.runId, stepId: plan.origin.stepId, seq: plan.origin.seq },
    agent: plan.origin.agent,
    reusedEvents: plan.commits.flatMap((c) => c.events).filter((e) => e.type !== 'RunRequested').length,
    steps: plan.steps,
    alreadyForked: input.appended === 0,
    overrides: input.overrides,
  };
  if (out.json) return out.data(summary);
  out.line(`${summary.alreadyForked ? 'already forked as' : 'forked'} run ${out.bold(summary.runId)} from run ${plan.origin.runId} (organization ${input.loaded.org.slug})`);
  out.line(`  cut before event seq ${plan.origin.seq}, in step ${plan.origin.stepId} (${plan.origin.agent}), which continues as step ${plan.stepId}`);
  for (const s of plan.steps) out.line(`  step ${s.stepId} (${s.agent}) ← ${s.originStepId}: ${s.copiedEvents} events reused, ${s.terminal ? 'ended before the cut' : 'goes live'}`);
  if (input.overrides.model) out.line(`  model: ${input.overrides.model}`);
  if (input.overrides.systemPrompt !== undefined) out.line(`  system prompt: from the prompt file (${input.overrides.systemPrompt.length} characters)`);
};

/** The fork's run id: the same origin, cut and overrides always name the same fork, so repeating the command is safe. */
const forkRunId = (input: { runId: string; seq: number; overrides: ForkOverrides }): string =>
  deterministicId(input.runId, 'fork', input.seq, input.overrides.model ?? '', input.overrides.systemPrompt ?? '');

/**
 * `shaman fork <runId> --at <stepId|seq>`: a new run that copies the whole recorded run up to the cut (every step
 * requested before it, with what it recorded before it: no model or tool is asked again for those) and continues
 * live from there; `--model` / `--prompt-file` apply to the step the cut falls in.
 */
export const forkCommand = async (config: CliConfig, out: Output, input: ForkInput): Promise<number> => {
  const cut = parseCut(input.at);
  if (!input.runId || !UUID.test(input.runId) || cut === null) {
    out.error(input.runId && !UUID.test(input.runId) ? `run id ${input.runId} is not a UUID\n${USAGE}` : `${input.at === undefined ? '' : `--at ${input.at} is neither a step id nor an event seq\n`}${USAGE}`);
    return 2;
  }
  const overrides = await readOverrides(input);
  if (typeof overrides === 'string') {
    out.error(`${overrides}\n${USAGE}`);
    return 2;
  }
  const loaded = await loadRun(config, out, { runId: input.runId, org: input.org });
  if (typeof loaded === 'number') return loaded;
  const refused = refusedBelow(loaded.org, { minimum: 'DEVELOPER', action: 'forking (it starts a run)' });
  if (refused !== null) {
    out.error(refused);
    return 1;
  }
  const seq = cutSeq(loaded.events, cut);
  const plan = planFork(loaded.events, { cut, runId: forkRunId({ runId: input.runId, seq, overrides }), at: new Date().toISOString(), overrides, initiator: { kind: 'system', id: 'shaman-fork' } });
  if (!plan.ok) {
    out.error(`cannot fork run ${input.runId}: ${plan.message}`);
    return 1;
  }
  const appended = await appendFork(config, { plan: plan.plan, orgId: loaded.org.id });
  printFork(out, { plan: plan.plan, loaded, appended, overrides });
  return 0;
};
