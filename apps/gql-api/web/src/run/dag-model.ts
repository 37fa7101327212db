import type { DagNodeData, Money, RunDagEvent, RunProgress, RunStatus, ToolCallRow } from '../api/operations';
import { layoutForest, type LayoutInput } from './dag-layout';

// The graph the page draws: a node per agent step, per external agent call and per tool call. Steps come from
// the live runDag stream; tool calls and costs from the read model (RUN_DETAIL), which the stream does not carry.

export type NodeKind = 'step' | 'external' | 'tool';
export type ToolState = 'running' | 'ok' | 'error';

export type GraphNode = {
  id: string;
  kind: NodeKind;
  parent: string | null;
  x: number;
  y: number;
  width: number;
  height: number;
  /** A step's status; a tool call's is mapped to WORKING / COMPLETED / FAILED. */
  status: RunStatus;
  step?: DagNodeData;
  tool?: ToolCallRow & { stepId: string };
  cost?: Money;
};

export const STEP_SIZE = { width: 200, height: 58 };
export const TOOL_SIZE = { width: 200, height: 30 };

// call_agent is drawn as the step it created (the edge to the child); request_user_input and every other tool
// as a node of its own.
const DRAWN_AS_STEP = new Set(['call_agent']);

/** External agents' nodes are steps the calling executor records (`DagNode.kind`). */
export const kindOfStep = (step: DagNodeData): NodeKind => (step.kind === 'EXTERNAL' ? 'external' : 'step');

export const toolNodeId = (stepId: string, toolCallId: string): string => `tool:${stepId}:${toolCallId}`;
const toolStatus = (t: ToolCallRow): RunStatus => (!t.completed ? 'WORKING' : t.isError ? 'FAILED' : 'COMPLETED');

export type GraphState = {
  run: RunProgress | null;
  sequence: number;
  nodes: GraphNode[];
  byId: Map<string, GraphNode>;
  edges: { from: string; to: string }[];
  width: number;
  height: number;
  stepCount: number;
};

/**
 * Folds runDag events and read-model detail into the drawn graph. Events are queued and applied together once
 * per animation frame (`flush`), so a burst of hundreds of commits costs one layout and one render.
 */
export class DagModel {
  private readonly steps = new Map<string, DagNodeData>();
  private readonly tools = new Map<string, ToolCallRow[]>();
  private readonly costs = new Map<string, Money>();
  private run: RunProgress | null = null;
  private sequence = 0;
  private pending: RunDagEvent[] = [];
  private structureChanged = true;
  private state: GraphState = { run: null, sequence: 0, nodes: [], byId: new Map(), edges: [], width: 0, height: 0, stepCount: 0 };

  /** Queues an event; call `flush` (once per frame) to apply the queue. */
  push(event: RunDagEvent): void {
    this.pending.push(event);
  }

  get hasPending(): boolean {
    return this.pending.length > 0;
  }

  /** Replaces tool calls and costs with the read model's (applied at the next `flush`). */
  setDetail(nodes: { id: string; cost: Money; toolCalls: ToolCallRow[] }[]): void {
    for (const n of nodes) {
      this.tools.set(n.id, n.toolCalls.filter((t) => !DRAWN_AS_STEP.has(t.name)));
      this.costs.set(n.id, n.cost);
    }
    this.structureChanged = true;
  }

  /** Applies the queued events; returns the new state, or null when nothing changed. */
  flush(): GraphState | null {
    if (this.pending.length === 0 && !this.structureChanged) return null;
    for (const event of this.pending.splice(0)) this.apply(event);
    this.state = this.build();
    this.structureChanged = false;
    return this.state;
  }

  current(): GraphState {
    return this.state;
  }

  /** How many tool calls the stream says each step made (to tell when the read model has caught up). */
  toolCallCounts(): Map<string, number> {
    return new Map([...this.steps.values()].map((s) => [s.id, s.toolCalls]));
  }

  private apply(event: RunDagEvent): void {
    if (event.kind === 'SNAPSHOT') this.steps.clear();
    else if (event.sequence <= this.sequence) return; // already folded (a resumed stream repeats nothing, but be safe)
    this.sequence = event.sequence;
    this.run = event.run;
    for (const node of event.nodes) this.steps.set(node.id, node);
    this.structureChanged = true;
  }

  private build(): GraphState {
    const inputs: LayoutInput[] = [];
    const drafts: Omit<GraphNode, 'x' | 'y'>[] = [];
    for (const step of this.steps.values()) {
      const order = Date.parse(step.createdAt);
      const kind = kindOfStep(step);
      inputs.push({ id: step.id, parent: step.parentStepId, order, height: STEP_SIZE.height });
      drafts.push({ id: step.id, kind, parent: step.parentStepId, ...STEP_SIZE, status: step.status, step, cost: this.costs.get(step.id) });
      for (const tool of this.tools.get(step.id) ?? []) {
        const id = toolNodeId(step.id, tool.toolCallId);
        inputs.push({ id, parent: step.id, order: Date.parse(tool.calledAt), height: TOOL_SIZE.height });
        drafts.push({ id, kind: 'tool', parent: step.id, ...TOOL_SIZE, status: toolStatus(tool), tool: { ...tool, stepId: step.id } });
      }
    }
    const layout = layoutForest(inputs);
    const nodes: GraphNode[] = drafts.map((d) => {
      const p = layout.positions.get(d.id) ?? { x: 0, y: 0 };
      return { ...d, x: p.x, y: p.y };
    });
    const byId = new Map(nodes.map((n) => [n.id, n]));
    const edges = nodes.filter((n) => n.parent !== null && byId.has(n.parent)).map((n) => ({ from: n.parent!, to: n.id }));
    return { run: this.run, sequence: this.sequence, nodes, byId, edges, width: layout.width, height: layout.height, stepCount: this.steps.size };
  }
}
