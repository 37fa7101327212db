import { authenticateApiKey, createPool, ensureOrganization, issueApiKey, withUser } from '@shaman/platform';
import { join } from 'node:path';
import pg from 'pg';
import { REPO_ROOT } from './config.js';
import { readDevState } from './dev-state.js';

export type DemoTenant = { orgId: string; apiKey: string; apiKeyId: string; reused: boolean };

/**
 * The demo organization (`demo`, agents from examples/agents) and an API key for it. A key saved by an
 * earlier `shaman dev` is reused while it still authenticates, so scripts and curl lines keep working.
 */
export const seedDemoTenant = async (adminUrl: string, devDir: string): Promise<DemoTenant> => {
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    const org = await ensureOrganization(admin, { slug: 'demo', name: 'Demo', agentsRepository: join(REPO_ROOT, 'examples', 'agents') });
    const saved = await readDevState(devDir);
    if (saved?.orgId === org.id && (await keyStillWorks(adminUrl, saved.apiKey))) {
      return { orgId: org.id, apiKey: saved.apiKey, apiKeyId: saved.apiKeyId, reused: true };
    }
    const key = await issueApiKey(admin, { orgId: org.id, name: 'shaman dev', env: 'test' });
    return { orgId: org.id, apiKey: key.key, apiKeyId: key.id, reused: false };
  } finally {
    await admin.end();
  }
};

const keyStillWorks = async (adminUrl: string, key: string): Promise<boolean> => {
  const pool = createPool(withUser(adminUrl, 'shaman_app'), { max: 1 });
  try {
    return (await authenticateApiKey(pool, key)).ok;
  } finally {
    await pool.end();
  }
};
