import { runMigrations } from '@shaman/platform';
import { join } from 'node:path';
import { REPO_ROOT, type CliConfig } from '../config.js';
import type { Output } from '../output.js';

/** `shaman migrate`: creates the database if missing and applies pending migrations. */
export const migrateCommand = async (config: CliConfig, out: Output): Promise<number> => {
  const report = await runMigrations({ adminUrl: config.DATABASE_ADMIN_URL, dir: join(REPO_ROOT, 'migrations'), log: (l) => out.line(`  ${out.dim(l)}`) });
  if (out.json) out.data(report);
  else out.line(`${out.green('✓')} database ${report.database}${report.created ? ' (created)' : ''}: ${report.applied.length} applied, ${report.alreadyApplied} already applied`);
  return 0;
};
