import type { ComponentChild } from 'preact';
import { useLayoutEffect, useRef, useState } from 'preact/hooks';

const ESTIMATE = 90;
const OVERSCAN_PX = 600;

/**
 * A scrolling list that keeps only the items near the viewport in the DOM. Item heights vary (a long tool
 * result), so each rendered item is measured and its height remembered; unmeasured items count as ESTIMATE.
 */
export const VirtualList = <T,>({ items, keyOf, render, testId }: { items: T[]; keyOf: (item: T) => string; render: (item: T) => ComponentChild; testId?: string }) => {
  const scroller = useRef<HTMLDivElement>(null);
  const heights = useRef(new Map<string, number>());
  const [scrollTop, setScrollTop] = useState(0);
  const [viewport, setViewport] = useState(600);
  const [, remeasured] = useState(0);

  useLayoutEffect(() => {
    const el = scroller.current;
    if (!el) return undefined;
    const observer = new ResizeObserver(() => setViewport(el.clientHeight));
    observer.observe(el);
    setViewport(el.clientHeight);
    return () => observer.disconnect();
  }, []);

  const offsets: number[] = [];
  let total = 0;
  for (const item of items) {
    offsets.push(total);
    total += heights.current.get(keyOf(item)) ?? ESTIMATE;
  }
  let first = 0;
  while (first < items.length - 1 && offsets[first + 1]! < scrollTop - OVERSCAN_PX) first += 1;
  let last = first;
  while (last < items.length && offsets[last]! < scrollTop + viewport + OVERSCAN_PX) last += 1;
  const shown = items.slice(first, last);

  // Measure what was rendered; if any height differs from what was assumed, lay out again.
  useLayoutEffect(() => {
    const el = scroller.current;
    if (!el) return;
    let changed = false;
    for (const child of Array.from(el.querySelectorAll<HTMLElement>('[data-vkey]'))) {
      const key = child.dataset['vkey']!;
      const h = child.offsetHeight;
      if (heights.current.get(key) !== h) {
        heights.current.set(key, h);
        changed = true;
      }
    }
    if (changed) remeasured((n) => n + 1);
  });

  return (
    <div class="vlist" ref={scroller} data-testid={testId} data-count={items.length} onScroll={(e) => setScrollTop((e.currentTarget as HTMLDivElement).scrollTop)}>
      <div style={{ height: `${total}px`, position: 'relative' }}>
        {shown.map((item, i) => (
          <div key={keyOf(item)} data-vkey={keyOf(item)} style={{ position: 'absolute', top: `${offsets[first + i]}px`, left: 0, right: 0 }}>
            {render(item)}
          </div>
        ))}
      </div>
    </div>
  );
};
