import { describe, expect, it } from 'vitest';
import { layoutForest, type LayoutInput } from './dag-layout';

const node = (id: string, parent: string | null, order: number, height = 40): LayoutInput => ({ id, parent, order, height });
const metrics = { columnWidth: 100, rowGap: 10, rootGap: 30 };

describe('layoutForest', () => {
  it('puts children one column right of their parent, stacked in creation order, the parent centred on them', () => {
    const { positions } = layoutForest([node('root', null, 0), node('b', 'root', 2), node('a', 'root', 1)], metrics);
    expect(positions.get('a')).toEqual({ x: 100, y: 0, depth: 1 });
    expect(positions.get('b')).toEqual({ x: 100, y: 50, depth: 1 });
    expect(positions.get('root')).toEqual({ x: 0, y: 25, depth: 0 });
  });

  it('gives the same layout whatever order the nodes arrive in', () => {
    const nodes = [node('r', null, 0), node('c1', 'r', 1), node('c2', 'r', 2), node('g1', 'c1', 3, 20), node('g2', 'c1', 4), node('r2', null, 5)];
    const forward = layoutForest(nodes, metrics);
    const backward = layoutForest([...nodes].reverse(), metrics);
    expect([...backward.positions.entries()].sort()).toEqual([...forward.positions.entries()].sort());
  });

  it('separates roots, and treats a node whose parent is unknown (not seen yet) as a root', () => {
    const { positions, height } = layoutForest([node('r1', null, 0), node('orphan', 'missing', 1)], metrics);
    expect(positions.get('r1')?.y).toBe(0);
    expect(positions.get('orphan')).toEqual({ x: 0, y: 80, depth: 0 });
    expect(height).toBe(120);
  });

  it('keeps at least the row gap between any two nodes of a column (a parent taller than its one child too), and lays out 1,000 nodes quickly', () => {
    // Steps 58 high, tool calls 30, as drawn: some steps' only child is a tool call.
    const nodes: LayoutInput[] = [node('n0', null, 0, 58)];
    for (let i = 1; i < 1000; i += 1) nodes.push(node(`n${i}`, `n${Math.floor((i - 1) / 3)}`, i, i % 5 === 0 ? 30 : 58));
    nodes.push(node('only-child', 'n999', 2000, 30));
    const started = performance.now();
    const { positions } = layoutForest(nodes, metrics);
    const took = performance.now() - started;
    expect(positions.size).toBe(1001);
    const byColumn = new Map<number, { y: number; h: number }[]>();
    for (const n of nodes) {
      const p = positions.get(n.id)!;
      byColumn.set(p.x, [...(byColumn.get(p.x) ?? []), { y: p.y, h: n.height }]);
    }
    for (const column of byColumn.values()) {
      column.sort((a, b) => a.y - b.y);
      for (let i = 1; i < column.length; i += 1) expect(column[i]!.y).toBeGreaterThanOrEqual(column[i - 1]!.y + column[i - 1]!.h + metrics.rowGap);
    }
    expect(took).toBeLessThan(200);
  });

  it('survives a cycle in bad data (a node listed as its own parent) by making it a root', () => {
    const { positions } = layoutForest([node('self', 'self', 0)], metrics);
    expect(positions.get('self')).toEqual({ x: 0, y: 0, depth: 0 });
  });

  it('places every node of a cycle once (a -> b -> a), though steps never form one', () => {
    const { positions } = layoutForest([node('a', 'b', 0), node('b', 'a', 1)], metrics);
    expect(positions.size).toBe(2);
    expect(positions.get('a')?.depth).toBe(0);
    expect(positions.get('b')?.depth).toBe(1);
  });
});
