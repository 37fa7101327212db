import type { CliConfig } from '../config.js';
import type { Output } from '../output.js';
import { diffRuns } from '../replay/diff-runs.js';
import { loadRun } from '../replay/load-run.js';
import { printRunDiff } from './diff.output.js';

export type DiffInput = { runA?: string; runB?: string; org?: string };

const USAGE = 'usage: shaman diff <runA> <runB> [--org <slug>] [--json]';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * `shaman diff <runA> <runB>`: aligns two runs of one organization (steps by their place in the DAG, then every
 * recorded decision in order) and shows where they first differ, with a side-by-side summary of each step.
 */
export const diffCommand = async (config: CliConfig, out: Output, input: DiffInput): Promise<number> => {
  const bad = [input.runA, input.runB].find((id) => id !== undefined && !UUID.test(id));
  if (!input.runA || !input.runB || bad !== undefined) {
    out.error(bad === undefined ? USAGE : `run id ${bad} is not a UUID\n${USAGE}`);
    return 2;
  }
  const a = await loadRun(config, out, { runId: input.runA, org: input.org });
  if (typeof a === 'number') return a;
  const b = await loadRun(config, out, { runId: input.runB, org: input.org });
  if (typeof b === 'number') return b;
  return printRunDiff(out, { ...diffRuns(a.events, b.events), runA: input.runA, runB: input.runB });
};
