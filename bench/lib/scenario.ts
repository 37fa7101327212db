import type { Row } from './table.js';

/** What every scenario gets: the measured window per load level, and where to find the local services. */
export type BenchContext = {
  seconds: number;
  warmupSeconds: number;
  log: (line: string) => void;
};

/** A figure compared with the target an issue sets for it. Benchmarks report; they never fail the run. */
export type Verdict = { what: string; value: string; target: string; met: boolean };

export type ScenarioResult = {
  /** Table columns, in order; every row is printed under them. */
  columns: string[];
  rows: Row[];
  verdicts: Verdict[];
  /** Further tables printed after the first, each under its title. */
  tables?: { title: string; columns: string[]; rows: Row[] }[];
  /** The measured window, for the table's heading, when it is not `BENCH_SECONDS` per row. */
  window?: string;
};

/** One benchmark, in its own file under bench/scenarios/ (issue 8 adds more alongside). */
export type Scenario = {
  name: string;
  /** Which issue's target this measures, and what its figures mean (also in bench/README.md). */
  description: string;
  run(ctx: BenchContext): Promise<ScenarioResult>;
};
