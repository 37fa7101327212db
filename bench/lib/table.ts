export type Cell = string | number;
export type Row = Record<string, Cell>;

const show = (cell: Cell | undefined): string => {
  if (cell === undefined) return '';
  if (typeof cell === 'string') return cell;
  if (!Number.isFinite(cell)) return 'n/a';
  return Number.isInteger(cell) ? String(cell) : cell.toFixed(2);
};

/** A plain-text table (numbers right-aligned), for a terminal or a pasted report. */
export const formatTable = (columns: readonly string[], rows: readonly Row[]): string => {
  const cells = rows.map((row) => columns.map((c) => show(row[c])));
  const widths = columns.map((c, i) => Math.max(c.length, ...cells.map((r) => r[i]!.length)));
  const numeric = columns.map((c) => rows.some((r) => typeof r[c] === 'number'));
  const line = (values: readonly string[]) => values.map((v, i) => (numeric[i] ? v.padStart(widths[i]!) : v.padEnd(widths[i]!))).join('  ').trimEnd();
  return [line(columns), line(widths.map((w) => '-'.repeat(w))), ...cells.map(line)].join('\n');
};
