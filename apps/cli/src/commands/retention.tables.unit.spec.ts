import { READ_MODEL_TABLES } from '@shaman/projector';
import { KEPT_RUN_TABLES, PURGED_RUN_TABLES } from '@shaman/retention';
import { describe, expect, it } from 'vitest';

// libs/retention may not import the projector (an app), so its list of a run's tables is checked here, where both are visible.
describe('retention purges every read-model table that holds run rows, except the ledger', () => {
  it('matches the projector’s tables', () => {
    const runTables = READ_MODEL_TABLES.filter((t) => t.runColumn !== null).map((t) => ({ name: t.name, runColumn: t.runColumn }));
    expect([...PURGED_RUN_TABLES].sort((a, b) => a.name.localeCompare(b.name))).toEqual(runTables.filter((t) => !KEPT_RUN_TABLES.includes(t.name)).sort((a, b) => a.name.localeCompare(b.name)));
    expect(KEPT_RUN_TABLES.every((k) => runTables.some((t) => t.name === k))).toBe(true);
  });
});
