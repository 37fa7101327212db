// Layout of a run's graph. Every node has at most one parent (a step has one caller; a tool call belongs to one
// step), so the graph is a forest and a layered tree layout is exact: columns by depth, one row per leaf, a
// parent centred on its children. That is linear in the number of nodes (about a millisecond for 1,000 here),
// so the page can afford it on every animation frame that brings new nodes, where a general DAG layout
// (dagre's network simplex) costs hundreds of milliseconds at this size and moves everything when it reruns.

export type LayoutInput = {
  id: string;
  /** null, or an id not in the input: a root. */
  parent: string | null;
  /** Siblings are laid out in this order (creation time), ties by id. */
  order: number;
  /** Rows this node occupies (tool calls are shorter than steps). */
  height: number;
};

export type Placement = { x: number; y: number; depth: number };
export type Layout = { positions: Map<string, Placement>; width: number; height: number };

export type LayoutMetrics = { columnWidth: number; rowGap: number; rootGap: number };
export const DEFAULT_METRICS: LayoutMetrics = { columnWidth: 250, rowGap: 14, rootGap: 36 };

const bySiblingOrder = (a: LayoutInput, b: LayoutInput): number => a.order - b.order || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

/**
 * Places every node: x by depth, y so that leaves stack top to bottom in sibling order and each parent sits at
 * the middle of its children's span. Roots follow each other in order, separated by `rootGap`. Deterministic:
 * the same input gives the same layout, whatever order it arrives in.
 */
export const layoutForest = (nodes: readonly LayoutInput[], metrics: LayoutMetrics = DEFAULT_METRICS): Layout => {
  const byId = new Map(nodes.map((n) => [n.id, n]));
  const children = new Map<string, LayoutInput[]>();
  const roots: LayoutInput[] = [];
  for (const node of nodes) {
    if (node.parent !== null && node.parent !== node.id && byId.has(node.parent)) {
      const list = children.get(node.parent);
      if (list) list.push(node);
      else children.set(node.parent, [node]);
    } else roots.push(node);
  }
  roots.sort(bySiblingOrder);
  for (const list of children.values()) list.sort(bySiblingOrder);

  const positions = new Map<string, Placement>();
  const entered = new Set<string>();
  // The lowest edge drawn so far in each column: nothing may start above it (plus the gap). A parent taller
  // than its children's span would otherwise reach into its neighbours.
  const columnBottom: number[] = [];
  let cursor = 0;
  let maxDepth = 0;
  // Iterative post-order walk: a pathological depth (a long call chain) cannot overflow the stack.
  type Frame = { node: LayoutInput; depth: number; next: number };
  const place = (root: LayoutInput): void => {
    if (positions.size > 0) cursor += metrics.rootGap;
    entered.add(root.id);
    const stack: Frame[] = [{ node: root, depth: 0, next: 0 }];
    while (stack.length > 0) {
      const frame = stack[stack.length - 1]!;
      const kids = (children.get(frame.node.id) ?? []);
      const kid = kids[frame.next];
      frame.next += 1;
      if (kid) {
        // Entered already: bad data (a cycle), never a second parent; each node is placed once.
        if (!entered.has(kid.id)) {
          entered.add(kid.id);
          stack.push({ node: kid, depth: frame.depth + 1, next: 0 });
        }
        continue;
      }
      stack.pop();
      const { node, depth } = frame;
      maxDepth = Math.max(maxDepth, depth);
      const x = depth * metrics.columnWidth;
      const placedKids = kids.filter((k) => positions.has(k.id) && positions.get(k.id)!.depth === depth + 1);
      const first = placedKids[0];
      const last = placedKids[placedKids.length - 1];
      const floor = columnBottom[depth] === undefined ? 0 : columnBottom[depth]! + metrics.rowGap;
      let y: number;
      if (!first || !last) {
        y = Math.max(cursor, floor);
        cursor = y + node.height + metrics.rowGap;
      } else {
        // Centre on the children's span, measured between their own centres.
        const centre = (positions.get(first.id)!.y + first.height / 2 + positions.get(last.id)!.y + last.height / 2) / 2;
        y = Math.max(floor, centre - node.height / 2);
      }
      positions.set(node.id, { x, y, depth });
      columnBottom[depth] = y + node.height;
    }
  };
  for (const root of roots) place(root);
  // Nodes no root reaches can only be on a cycle (bad data): each still gets a place, as a root.
  if (entered.size < nodes.length) for (const node of [...nodes].sort(bySiblingOrder)) if (!entered.has(node.id)) place(node);
  const bottom = Math.max(0, cursor - metrics.rowGap, ...columnBottom.filter((b) => b !== undefined));
  return { positions, width: (maxDepth + 1) * metrics.columnWidth, height: bottom };
};
