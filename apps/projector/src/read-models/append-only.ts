import { preparedStatement } from '@shaman/platform';
import { toJsonParam } from './json-param.js';
import type { Statement } from './statements.js';

/** An append-only read model: one row per event, keyed by the event id, never updated. */
export type AppendOnlyTable = { table: string; columns: readonly (readonly [name: string, sqlType: string])[] };

const insertSql = ({ table, columns }: AppendOnlyTable): string => {
  const names = columns.map(([name]) => name).join(', ');
  return `INSERT INTO ${table} (${names})
    SELECT ${names} FROM jsonb_to_recordset($1::jsonb) AS r(${columns.map(([n, t]) => `${n} ${t}`).join(', ')})
    ON CONFLICT (event_id) DO NOTHING`;
};

const statements = new Map<string, ReturnType<typeof preparedStatement>>();
const statementOf = (spec: AppendOnlyTable): ReturnType<typeof preparedStatement> => {
  const found = statements.get(spec.table) ?? preparedStatement(`projector.append.${spec.table}`, insertSql(spec));
  statements.set(spec.table, found);
  return found;
};

/**
 * Inserts a batch's rows in one statement (none for no rows). Keyed by event id, so a batch applied twice
 * inserts nothing the second time (replay and redelivery are no-ops).
 */
export const appendRows = (spec: AppendOnlyTable, rows: readonly Record<string, unknown>[]): Statement[] =>
  rows.length > 0 ? [statementOf(spec)([toJsonParam(rows)])] : [];
