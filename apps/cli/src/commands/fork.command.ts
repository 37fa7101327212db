import { stepEventStream, stepRequestStream } from '@shaman/events';
import { readFile } from 'node:fs/promises';
import { randomUUID } from 'node:crypto';
import type { CliConfig } from '../config.js';
import type { Output } from '../output.js';
import { planFork, type ForkCut, type ForkOverrides, type ForkPlan } from '../replay/fork-plan.js';
import { loadRun, type LoadedRun } from '../replay/load-run.js';
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

/**
 * Appends the request first, then the prefix on the new step's event subject, each commit expecting the one
 * before (the first expects an empty subject): the executor that picks the request up waits for the whole
 * prefix (`forkedFrom.prefixEvents`) before it claims anything, so the two cannot interleave.
 */
const appendFork = (config: CliConfig, plan: ForkPlan): Promise<void> =>
  withEventStore(config, async (store) => {
    await store.appendToStream(stepRequestStream(plan.request.metadata), [plan.request]);
    let version = 0n;
    for (const commit of plan.prefix) {
      version = (await store.appendToStream(stepEventStream(plan.request.metadata), commit, { expectedStreamVersion: version })).nextExpectedStreamVersion;
    }
  });

const printFork = (out: Output, input: { plan: ForkPlan; loaded: LoadedRun }): void => {
  const { request, prefix, origin } = input.plan;
  const summary = {
    runId: request.metadata.runId,
    stepId: request.metadata.stepId,
    forkedFrom: { runId: origin.runId, stepId: origin.stepId, seq: origin.seq },
    agent: origin.agent,
    reusedEvents: prefix.flat().length,
    overrides: request.data.overrides ?? {},
  };
  if (out.json) return out.data(summary);
  out.line(`forked run ${out.bold(summary.runId)} from run ${origin.runId} (organization ${input.loaded.org.slug})`);
  out.line(`  step ${summary.stepId} (${origin.agent}) continues step ${origin.stepId} before event seq ${origin.seq}`);
  out.line(`  ${summary.reusedEvents} recorded events reused; it goes live from there`);
  if (request.data.overrides?.model) out.line(`  model: ${request.data.overrides.model}`);
  if (request.data.overrides?.systemPrompt !== undefined) out.line(`  system prompt: from the prompt file (${request.data.overrides.systemPrompt.length} characters)`);
};

/**
 * `shaman fork <runId> --at <stepId|seq>`: a new run whose root step continues one step of a recorded run from
 * the cut, reusing what was recorded before it (no model or tool is asked again for those) and live after it.
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
  const result = planFork(loaded.events, { cut, runId: randomUUID(), stepId: randomUUID(), at: new Date().toISOString(), overrides, initiator: { kind: 'system', id: 'shaman-fork' } });
  if (!result.ok) {
    out.error(`cannot fork run ${input.runId}: ${result.message}`);
    return 1;
  }
  await appendFork(config, result.plan);
  printFork(out, { plan: result.plan, loaded });
  return 0;
};
