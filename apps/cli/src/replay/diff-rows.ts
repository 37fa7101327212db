/** One way a live read-model row differs from the rebuilt one; `column` null means the whole row is missing on one side. */
export type RowDifference = { table: string; key: string; column: string | null; live: unknown; rebuilt: unknown };

type Row = Record<string, unknown>;

const keyOf = (row: Row, key: readonly string[]): string => key.map((k) => String(row[k])).join('/');
// Both sides come from `to_jsonb` in PostgreSQL (jsonb sorts object keys), so equal values serialise equally.
const same = (a: unknown, b: unknown): boolean => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);

/**
 * Compares a table's live rows with its rebuilt rows, matched by primary key: rows only one side has, then
 * every column whose value differs. Sorted by key and column so the report is stable.
 */
export const diffRows = (table: { name: string; key: readonly string[] }, live: readonly Row[], rebuilt: readonly Row[]): RowDifference[] => {
  const liveByKey = new Map(live.map((r) => [keyOf(r, table.key), r]));
  const rebuiltByKey = new Map(rebuilt.map((r) => [keyOf(r, table.key), r]));
  const keys = [...new Set([...liveByKey.keys(), ...rebuiltByKey.keys()])].sort();
  return keys.flatMap((key): RowDifference[] => {
    const l = liveByKey.get(key);
    const r = rebuiltByKey.get(key);
    if (l === undefined || r === undefined) return [{ table: table.name, key, column: null, live: l ?? null, rebuilt: r ?? null }];
    const columns = [...new Set([...Object.keys(l), ...Object.keys(r)])].sort();
    return columns.filter((c) => !same(l[c], r[c])).map((column) => ({ table: table.name, key, column, live: l[column] ?? null, rebuilt: r[column] ?? null }));
  });
};
