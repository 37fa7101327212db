import { describe, expect, it } from 'vitest';
import { diffRows } from './diff-rows.js';
import { dollars } from './format.js';
import { createProgressReporter, progressLine } from './progress-bar.js';

describe('diffRows', () => {
  const table = { name: 'steps', key: ['id'] };
  it('finds nothing in equal rows, whatever their order', () => {
    expect(diffRows(table, [{ id: 'a', n: 1, j: { x: 1 } }, { id: 'b', n: 2 }], [{ id: 'b', n: 2 }, { id: 'a', n: 1, j: { x: 1 } }])).toEqual([]);
  });
  it('names each differing column, and rows only one side has', () => {
    expect(diffRows(table, [{ id: 'a', n: 1, m: 'x' }, { id: 'b', n: 2 }], [{ id: 'a', n: 3, m: 'x' }, { id: 'c', n: 4 }])).toEqual([
      { table: 'steps', key: 'a', column: 'n', live: 1, rebuilt: 3 },
      { table: 'steps', key: 'b', column: null, live: { id: 'b', n: 2 }, rebuilt: null },
      { table: 'steps', key: 'c', column: null, live: null, rebuilt: { id: 'c', n: 4 } },
    ]);
  });
  it('treats a missing column and null alike (a column added later is null on old rows)', () => {
    expect(diffRows(table, [{ id: 'a', extra: null }], [{ id: 'a' }])).toEqual([]);
  });
});

describe('dollars', () => {
  it('prints integer micro-dollars exactly', () => {
    expect([0, 3, 1_500_000, 12_345_678].map(dollars)).toEqual(['$0', '$0.000003', '$1.5', '$12.345678']);
  });
});

describe('progress', () => {
  it('shows done/total, events/s and the remaining time', () => {
    expect(progressLine({ done: 500, total: 1000, events: 800, elapsedMs: 2000 }, { width: 10 })).toBe('[#####-----] 500/1,000 commits · 800 events · 400 events/s · ETA 2.00s');
  });
  it('redraws in place on a terminal, and writes plain lines at most once per interval otherwise', () => {
    let t = 0;
    const written: string[] = [];
    const plain = createProgressReporter({ tty: false, write: (s) => written.push(s), intervalMs: 1000, now: () => t });
    const sample = { done: 1, total: 2, events: 1, elapsedMs: 1 };
    plain.update(sample);
    t = 500;
    plain.update(sample);
    t = 1500;
    plain.update(sample);
    plain.finish();
    expect(written).toHaveLength(2);
    expect(written.every((s) => s.endsWith('\n') && !s.includes('\r'))).toBe(true);
    const drawn: string[] = [];
    const tty = createProgressReporter({ tty: true, write: (s) => drawn.push(s), now: () => 0 });
    tty.update(sample);
    tty.finish();
    tty.finish();
    expect(drawn[0]!.startsWith('\r\u001b[2K[')).toBe(true);
    expect(drawn.slice(1)).toEqual(['\n']);
  });
});
