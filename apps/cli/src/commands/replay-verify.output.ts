import type { Output } from '../output.js';
import { clip } from '../replay/format.js';
import type { VerifyResult } from '../replay/verify-run.js';

/** Prints a `--verify` outcome; the exit code: 0 when identical, 1 when any row differs. */
export const printVerifyResult = (out: Output, result: VerifyResult & { runId: string; lastSeq: number }): number => {
  const identical = result.differences.length === 0;
  // Events the projector has not reached are in neither side; say so rather than call a partial check complete.
  const behind = result.position < result.lastSeq ? `projector checkpoint ${result.position} is behind the run's last event ${result.lastSeq}; compared up to the checkpoint` : null;
  if (out.json) {
    out.data({ runId: result.runId, identical, position: result.position, lastSeq: result.lastSeq, commits: result.commits, tables: result.tables, rowsCompared: result.rowsCompared, differences: result.differences });
    return identical ? 0 : 1;
  }
  if (behind) out.line(out.dim(behind));
  if (identical) {
    out.line(`${out.green('identical')}: ${result.rowsCompared} rows in ${result.tables.join(', ')} match the rebuild from ${result.commits} commits`);
    return 0;
  }
  out.line(out.red(`${result.differences.length} differences between the live read models and the rebuild from ${result.commits} commits:`));
  for (const d of result.differences) {
    const where = `${d.table} ${d.key}`;
    if (d.column === null) out.line(`  ${where}: ${d.live === null ? 'missing from the live read model' : 'in the live read model only, not rebuilt from the events'}`);
    else out.line(`  ${where} ${out.bold(d.column)}: live ${clip(d.live, 80)} ≠ rebuilt ${clip(d.rebuilt, 80)}`);
  }
  return 1;
};
