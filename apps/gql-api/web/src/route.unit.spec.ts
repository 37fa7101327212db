import { describe, expect, it } from 'vitest';
import { hrefOf, parseRoute, type Route } from './route';

describe('hash routes', () => {
  it('round-trips the runs list with its filters, and a run with its selected node', () => {
    const routes: Route[] = [
      { page: 'runs', query: { status: [], agent: '', createdAfter: '', createdBefore: '' } },
      { page: 'runs', query: { status: ['FAILED', 'CANCELED'], agent: 'Planner', createdAfter: '2026-11-01T10:00', createdBefore: '2026-11-02T00:00' } },
      { page: 'run', runId: '6f1c2f1e-0000-4000-8000-000000000001', selected: null },
      { page: 'run', runId: '6f1c2f1e-0000-4000-8000-000000000001', selected: 'tool:abc:call_0_0' },
    ];
    for (const route of routes) expect(parseRoute(hrefOf(route))).toEqual(route);
  });

  it('drops unknown statuses and falls back to the runs list for anything else', () => {
    expect(parseRoute('#/runs?status=WORKING,BOGUS')).toEqual({ page: 'runs', query: { status: ['WORKING'], agent: '', createdAfter: '', createdBefore: '' } });
    expect(parseRoute('')).toEqual(parseRoute('#/runs'));
    expect(parseRoute('#/elsewhere').page).toBe('runs');
  });
});
