import { deriveRunStatus, evolveStepRow, type StepRow } from '@shaman/domain';
import { clip, dollars, duration, shortId, tokens, type Paint } from './format.js';
import type { RecordedEvent } from './run-recording.js';

/** A step of the run as the replay shows it: the read model's fold plus what it cost and which tools failed. */
export type StepNode = { row: StepRow; costMicros: number; toolErrors: string[]; children: StepNode[] };

/**
 * Folds the run's events into its steps with the read models' own `evolveStepRow`, and links them into the
 * DAG by their parent edge. A step whose parent is not in this run (or not recorded) is shown as a root.
 */
export const buildDag = (events: readonly RecordedEvent[]): StepNode[] => {
  const nodes = new Map<string, StepNode>();
  for (const { seq, event } of events) {
    if (event === null) continue;
    const id = event.metadata.stepId;
    const node = nodes.get(id);
    const row = evolveStepRow(node?.row ?? null, event, seq);
    if (row === null) continue;
    const next = node ?? { row, costMicros: 0, toolErrors: [], children: [] };
    next.row = row;
    if (event.type === 'UsageRecorded') next.costMicros += event.data.costMicros;
    if (event.type === 'ToolResulted' && event.data.isError) next.toolErrors.push(event.data.name);
    nodes.set(id, next);
  }
  const roots: StepNode[] = [];
  for (const node of nodes.values()) {
    const parent = node.row.parentStepId === null ? undefined : nodes.get(node.row.parentStepId);
    (parent ? parent.children : roots).push(node);
  }
  return roots;
};

const elapsed = (row: StepRow): string | null => {
  const from = row.startedAt ?? row.createdAt;
  return row.completedAt ? duration(Date.parse(row.completedAt) - Date.parse(from)) : null;
};

const statusColor = (status: string, paint: Paint): string =>
  status === 'completed' ? paint.green(status) : status === 'failed' || status === 'canceled' ? paint.red(status) : paint.cyan(status);

const describe = (node: StepNode, paint: Paint): string => {
  const { row } = node;
  const parts = [row.model ?? 'no model', tokens(row.inputTokens, row.outputTokens), dollars(node.costMicros)];
  const took = elapsed(row);
  if (took) parts.push(took);
  if (row.toolCalls > 0) parts.push(`${row.toolCalls} tool calls`);
  if (node.toolErrors.length > 0) parts.push(paint.red(`tool errors: ${node.toolErrors.join(', ')}`));
  const error = row.error as { code?: string; message?: string } | null;
  if (error) parts.push(paint.red(`error ${error.code ?? ''}: ${clip(error.message ?? error, 80)}`));
  return `${paint.bold(row.agent)} ${paint.dim(shortId(row.id))} [${statusColor(row.status, paint)}] ${parts.join(' · ')}`;
};

const walk = (nodes: readonly StepNode[], input: { prefix: string; paint: Paint; out: string[] }): void => {
  nodes.forEach((node, i) => {
    const last = i === nodes.length - 1;
    input.out.push(`${input.prefix}${last ? '└─ ' : '├─ '}${describe(node, input.paint)}`);
    walk(node.children, { ...input, prefix: `${input.prefix}${last ? '   ' : '│  '}` });
  });
};

const flatten = (nodes: readonly StepNode[]): StepNode[] => nodes.flatMap((n) => [n, ...flatten(n.children)]);

/** The run's summary line, then its steps as a tree (children under the step that called them). */
export const formatDag = (runId: string, roots: readonly StepNode[], paint: Paint): string[] => {
  const all = flatten(roots);
  const sum = (f: (n: StepNode) => number): number => all.reduce((acc, n) => acc + f(n), 0);
  const status = deriveRunStatus(roots.map((r) => r.row.status));
  const head = `run ${runId} [${statusColor(status, paint)}] ${all.length} steps · ${tokens(sum((n) => n.row.inputTokens), sum((n) => n.row.outputTokens))} · ${dollars(sum((n) => n.costMicros))}`;
  const out = [paint.bold(head)];
  walk(roots, { prefix: '', paint, out });
  return out;
};
