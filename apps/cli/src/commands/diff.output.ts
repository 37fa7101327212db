import type { Output } from '../output.js';
import type { RunDiff, StepComparison } from '../replay/diff-runs.js';
import { clip, dollars, tokens } from '../replay/format.js';
import type { StepSummary } from '../replay/step-summary.js';

type Row = [label: string, show: (s: StepSummary) => string];

const hashes = (a: StepSummary, b: StepSummary): string => {
  const same = a.requestHashes.findIndex((h, i) => h !== b.requestHashes[i]);
  const shared = same === -1 ? Math.min(a.requestHashes.length, b.requestHashes.length) : same;
  return shared === Math.max(a.requestHashes.length, b.requestHashes.length) ? 'all the same' : `the first ${shared} the same, then different`;
};

const ROWS: Row[] = [
  ['agent', (s) => s.agent],
  ['model', (s) => s.model ?? '-'],
  ['status', (s) => s.status],
  ['model calls', (s) => String(s.modelCalls)],
  ['tool calls', (s) => s.toolCalls.map((c) => `${c.name}(${clip(c.arguments, 40)})`).join(', ') || '-'],
  ['tool results', (s) => s.toolResults.map((r) => `${r.name}${r.isError ? ' (error)' : ''}: ${clip(r.output, 40)}`).join(', ') || '-'],
  ['output', (s) => (s.output === null ? (s.error ?? '-') : clip(s.output, 80))],
  ['tokens', (s) => tokens(s.tokens.input, s.tokens.output)],
  ['cost spent', (s) => dollars(s.costMicros)],
];

const printStep = (out: Output, step: StepComparison): void => {
  const mark = step.identical ? out.green('same') : out.red('differs');
  out.line(`${out.bold(`step ${step.path}`)} ${mark}`);
  const { a, b } = step;
  for (const [label, show] of ROWS) {
    const [va, vb] = [a ? show(a) : '(none)', b ? show(b) : '(none)'];
    out.line(`  ${label.padEnd(13)} ${va === vb ? va : `${out.red(va)} | ${out.red(vb)}`}`);
  }
  if (a && b && a.requestHashes.length + b.requestHashes.length > 0) out.line(`  ${'requests'.padEnd(13)} ${hashes(a, b)}`);
};

/** Prints a diff of two runs; the exit code: 0 when identical, 1 when they differ (as diff(1)). */
export const printRunDiff = (out: Output, diff: RunDiff & { runA: string; runB: string }): number => {
  const code = diff.identical ? 0 : 1;
  if (out.json) {
    out.data(diff);
    return code;
  }
  const d = diff.firstDivergence;
  if (d === null) out.line(`${out.green('identical')}: runs ${diff.runA} and ${diff.runB} made the same decisions in ${diff.steps.length} step${diff.steps.length === 1 ? '' : 's'}`);
  else {
    out.line(out.red(`runs ${diff.runA} (A) and ${diff.runB} (B) differ`));
    out.line(`first divergence: step ${d.path} (${d.agent}), ${d.position === 'request' ? 'its request' : `decision ${d.position}`}: ${d.what}`);
    out.line(`  A: ${clip(d.a, 300)}`);
    out.line(`  B: ${clip(d.b, 300)}`);
  }
  out.line();
  for (const step of diff.steps) printStep(out, step);
  return code;
};
