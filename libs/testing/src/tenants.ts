import { ensureOrganization, issueApiKey, revokeApiKey } from '@shaman/platform';
import { randomBytes } from 'node:crypto';
import pg from 'pg';

export type TestTenant = { orgId: string; slug: string; apiKey: string; keyId: string };

/** An organization with one active API key, created on the suite's own database through the admin role. */
export const createTestTenant = async (adminUrl: string, options: { agentsRepository: string; scopes?: string[] }): Promise<TestTenant> => {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const slug = `org-${randomBytes(4).toString('hex')}`;
    const org = await ensureOrganization(client, { slug, name: slug, agentsRepository: options.agentsRepository });
    const key = await issueApiKey(client, { orgId: org.id, name: 'test', scopes: options.scopes });
    return { orgId: org.id, slug, apiKey: key.key, keyId: key.id };
  } finally {
    await client.end();
  }
};

export const revokeTestKey = async (adminUrl: string, keyId: string): Promise<void> => {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    await revokeApiKey(client, keyId);
  } finally {
    await client.end();
  }
};
