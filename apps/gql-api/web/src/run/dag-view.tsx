import { memo } from 'preact/compat';
import { useCallback, useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks';
import { durationBetween, formatDuration, formatTokens, formatUsd } from '../format';
import type { GraphNode, GraphState } from './dag-model';

type View = { x: number; y: number; scale: number };
const MIN_SCALE = 0.1;
const MAX_SCALE = 2;
const MARGIN = 24;
// Below this zoom the labels are unreadable anyway: nodes are drawn as coloured boxes only.
const LABEL_SCALE = 0.45;

const clamp = (v: number, lo: number, hi: number): number => Math.min(hi, Math.max(lo, v));

/**
 * The view until the user pans or zooms: the whole graph when it fits at a readable size, else the first root
 * at the left, vertically centred. Recomputed as the graph grows, so a live run stays framed on its root (a
 * parent sits in the middle of its descendants, so a growing tree moves its root down).
 */
const autoView = (graph: GraphState, width: number, height: number): View => {
  const scale = clamp(Math.min((width - 2 * MARGIN) / Math.max(1, graph.width), (height - 2 * MARGIN) / Math.max(1, graph.height)), 0.6, 1);
  if (graph.height * scale <= height - 2 * MARGIN) return { x: MARGIN, y: MARGIN, scale };
  const root = graph.nodes.find((n) => n.parent === null);
  return { x: MARGIN, y: root ? height / 2 - (root.y + root.height / 2) * scale : MARGIN, scale };
};

const NodeShape = memo(({ node, selected, labels, onSelect }: { node: GraphNode; selected: boolean; labels: boolean; onSelect: (id: string) => void }) => {
  const step = node.step;
  const tool = node.tool;
  const title = step ? step.agent : (tool?.name ?? '');
  let detail = '';
  let metrics = '';
  if (step) {
    // A running step shows no duration: it would only be as fresh as the last change drawn.
    const took = step.completedAt ? ` · ${formatDuration(durationBetween(step.startedAt ?? step.createdAt, step.completedAt))}` : '';
    detail = `${node.kind === 'external' ? 'external · ' : ''}${step.status.toLowerCase().replace('_', ' ')}${took}`;
    metrics = `${formatTokens(step.inputTokens, step.outputTokens)}${node.cost ? ` · ${formatUsd(node.cost.usd)}` : ''}`;
  } else if (tool) {
    detail = tool.completed ? formatDuration(tool.latencyMs) : 'running';
  }
  return (
    <g
      class={`node node-${node.kind} status-${node.status}${selected ? ' selected' : ''}`}
      transform={`translate(${node.x},${node.y})`}
      data-testid="dag-node"
      data-id={node.id}
      data-kind={node.kind}
      data-status={node.status}
      onClick={(e) => {
        e.stopPropagation();
        onSelect(node.id);
      }}
    >
      <rect width={node.width} height={node.height} rx={node.kind === 'tool' ? 14 : 6} />
      {labels && (
        <>
          <text x={10} y={node.kind === 'tool' ? 19 : 18} class="node-title">
            {node.kind === 'tool' ? `⚙ ${title}` : title}
            {node.kind === 'tool' && <tspan class="node-detail"> · {detail}</tspan>}
          </text>
          {node.kind !== 'tool' && (
            <>
              <text x={10} y={35} class="node-detail">{detail}</text>
              <text x={10} y={50} class="node-detail">{metrics}</text>
            </>
          )}
        </>
      )}
    </g>
  );
});

const edgePath = (from: GraphNode, to: GraphNode): string => {
  const x1 = from.x + from.width;
  const y1 = from.y + from.height / 2;
  const x2 = to.x;
  const y2 = to.y + to.height / 2;
  const mid = (x1 + x2) / 2;
  return `M${x1},${y1} C${mid},${y1} ${mid},${y2} ${x2},${y2}`;
};

/**
 * The DAG as SVG, pannable (drag) and zoomable (wheel). Only what intersects the viewport is in the DOM, so a
 * run of thousands of nodes costs what a screenful costs; nodes are memoized and re-render only when their data
 * or selection changes.
 */
export const DagView = ({ graph, selectedId, onSelect }: { graph: GraphState; selectedId: string | null; onSelect: (id: string | null) => void }) => {
  const container = useRef<HTMLDivElement>(null);
  const [size, setSize] = useState({ width: 800, height: 600 });
  const [view, setView] = useState<View | null>(null);
  const drag = useRef<{ x: number; y: number; view: View; moved: boolean } | null>(null);
  // A click that ends a drag selects nothing.
  const dragged = useRef(false);

  useLayoutEffect(() => {
    const el = container.current;
    if (!el) return undefined;
    const observer = new ResizeObserver(() => setSize({ width: el.clientWidth, height: el.clientHeight }));
    observer.observe(el);
    setSize({ width: el.clientWidth, height: el.clientHeight });
    return () => observer.disconnect();
  }, []);

  const current = view ?? autoView(graph, size.width, size.height);

  // The wheel listener is attached once (it must be non-passive to stop the page scrolling) and reads the
  // current view through a ref.
  const currentRef = useRef(current);
  currentRef.current = current;
  useEffect(() => {
    const el = container.current;
    if (!el) return undefined;
    const onWheel = (e: WheelEvent) => {
      e.preventDefault();
      const rect = el.getBoundingClientRect();
      const px = e.clientX - rect.left;
      const py = e.clientY - rect.top;
      setView((v) => {
        const base = v ?? currentRef.current;
        const scale = clamp(base.scale * Math.exp(-e.deltaY * 0.0015), MIN_SCALE, MAX_SCALE);
        // Zoom about the pointer: the world point under it stays under it.
        return { scale, x: px - ((px - base.x) * scale) / base.scale, y: py - ((py - base.y) * scale) / base.scale };
      });
    };
    el.addEventListener('wheel', onWheel, { passive: false });
    return () => el.removeEventListener('wheel', onWheel);
  }, []);

  const onPointerDown = (e: PointerEvent) => {
    if (e.button !== 0) return;
    drag.current = { x: e.clientX, y: e.clientY, view: current, moved: false };
  };
  const onPointerMove = (e: PointerEvent) => {
    const d = drag.current;
    if (!d) return;
    const dx = e.clientX - d.x;
    const dy = e.clientY - d.y;
    if (!d.moved && Math.abs(dx) + Math.abs(dy) < 4) return;
    d.moved = true;
    setView({ ...d.view, x: d.view.x + dx, y: d.view.y + dy });
  };
  const onPointerUp = () => {
    dragged.current = drag.current?.moved ?? false;
    drag.current = null;
  };
  const clicked = (id: string | null) => {
    if (dragged.current) dragged.current = false;
    else onSelect(id);
  };

  // Viewport culling in world coordinates, with a margin so panning does not show empty edges first.
  const pad = 200 / current.scale;
  const left = -current.x / current.scale - pad;
  const top = -current.y / current.scale - pad;
  const right = left + size.width / current.scale + 2 * pad;
  const bottom = top + size.height / current.scale + 2 * pad;
  const visible = graph.nodes.filter((n) => n.x + n.width >= left && n.x <= right && n.y + n.height >= top && n.y <= bottom);
  const edges = graph.edges.filter((e) => {
    const a = graph.byId.get(e.from);
    const b = graph.byId.get(e.to);
    if (!a || !b) return false;
    return Math.max(a.x, b.x) >= left && Math.min(a.x, b.x) <= right && Math.max(a.y, b.y) + b.height >= top && Math.min(a.y, b.y) <= bottom;
  });
  const labels = current.scale >= LABEL_SCALE;
  const clickedRef = useRef(clicked);
  clickedRef.current = clicked;
  // Stable across renders, so memoized nodes do not re-render for a new callback.
  const selectNode = useCallback((id: string) => clickedRef.current(id), []);

  return (
    <div
      class="dag"
      ref={container}
      data-testid="dag"
      data-node-count={graph.nodes.length}
      data-step-count={graph.stepCount}
      data-rendered={visible.length}
      onPointerDown={onPointerDown}
      onPointerMove={onPointerMove}
      onPointerUp={onPointerUp}
      onPointerLeave={onPointerUp}
    >
      <svg width={size.width} height={size.height} onClick={() => clicked(null)}>
        <g transform={`translate(${current.x},${current.y}) scale(${current.scale})`}>
          {edges.map((e) => (
            <path key={`${e.from}>${e.to}`} class="edge" d={edgePath(graph.byId.get(e.from)!, graph.byId.get(e.to)!)} />
          ))}
          {visible.map((n) => (
            <NodeShape key={n.id} node={n} selected={n.id === selectedId} labels={labels} onSelect={selectNode} />
          ))}
        </g>
      </svg>
      <div class="dag-tools">
        <button type="button" onClick={() => setView((v) => ({ ...(v ?? current), scale: clamp((v ?? current).scale * 1.25, MIN_SCALE, MAX_SCALE) }))} title="Zoom in">+</button>
        <button type="button" onClick={() => setView((v) => ({ ...(v ?? current), scale: clamp((v ?? current).scale / 1.25, MIN_SCALE, MAX_SCALE) }))} title="Zoom out">−</button>
        <button type="button" onClick={() => setView(null)} title="Reset view">⤢</button>
        <button
          type="button"
          title="Show everything"
          onClick={() => setView({ x: MARGIN, y: MARGIN, scale: clamp(Math.min((size.width - 2 * MARGIN) / Math.max(1, graph.width), (size.height - 2 * MARGIN) / Math.max(1, graph.height)), MIN_SCALE, 1) })}
        >
          ▣
        </button>
      </div>
    </div>
  );
};
