import { ensureOrganization, issueApiKey, ROLES, type Role } from '@shaman/platform';
import { resolve } from 'node:path';
import pg from 'pg';
import type { CliConfig } from '../config.js';
import type { Output } from '../output.js';

const SLUG = /^[a-z0-9][a-z0-9-]{1,62}$/;

/** One administrative connection per command: managing tenants is not something the app role may do. */
export const withAdmin = async <T>(config: CliConfig, fn: (client: pg.Client) => Promise<T>): Promise<T> => {
  const client = new pg.Client({ connectionString: config.DATABASE_ADMIN_URL });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
};

/** `shaman org create <slug> --agents <dir> [--name <name>]`: creates (or updates) an organization. */
export const orgCreateCommand = async (config: CliConfig, out: Output, input: { slug?: string; agents?: string; name?: string }): Promise<number> => {
  if (!input.slug || !SLUG.test(input.slug) || !input.agents) {
    out.error('usage: shaman org create <slug> --agents <repository dir> [--name <display name>]\n  slug: 2–63 of a-z, 0-9 and "-", starting with a letter or digit');
    return 2;
  }
  const agentsRepository = resolve(input.agents);
  const org = await withAdmin(config, (c) => ensureOrganization(c, { slug: input.slug as string, name: input.name ?? input.slug as string, agentsRepository }));
  if (out.json) out.data({ id: org.id, slug: input.slug, created: org.created, agentsRepository });
  else out.line(`${out.green('✓')} organization ${out.bold(input.slug)} ${org.created ? 'created' : 'updated'} ${out.dim(`(${org.id}, agents in ${agentsRepository})`)}`);
  return 0;
};

/** `shaman key create <org-slug> [--scope s]… [--env live|test] [--expires-days n] [--role R]`: shows the key once. */
export const keyCreateCommand = async (
  config: CliConfig,
  out: Output,
  input: { slug?: string; scopes: string[]; env?: string; expiresDays?: string; name?: string; role?: string },
): Promise<number> => {
  const env = input.env ?? 'live';
  const days = input.expiresDays === undefined ? undefined : Number(input.expiresDays);
  // The operator's command line acts for the whole organization: OWNER unless asked for less.
  const role = (input.role ?? 'OWNER').toUpperCase();
  const validRole = (ROLES as readonly string[]).includes(role);
  if (!input.slug || (env !== 'live' && env !== 'test') || (days !== undefined && !(Number.isInteger(days) && days > 0)) || !validRole) {
    out.error(`usage: shaman key create <org-slug> [--scope "*" | --scope /agents/<Name>:execute]… [--env live|test] [--expires-days N] [--name label] [--role ${ROLES.join('|')}]`);
    return 2;
  }
  const issued = await withAdmin(config, async (c) => {
    const org = (await c.query<{ id: string }>('SELECT id FROM organizations WHERE slug = $1', [input.slug])).rows[0];
    if (!org) return null;
    const expiresAt = days === undefined ? undefined : new Date(Date.now() + days * 86_400_000);
    return issueApiKey(c, { orgId: org.id, name: input.name ?? 'cli', scopes: input.scopes.length > 0 ? input.scopes : ['*'], env, expiresAt, role: role as Role, createdBy: 'cli' });
  });
  if (!issued) {
    out.error(`no organization with slug ${input.slug} (create it with: shaman org create ${input.slug} --agents <dir>)`);
    return 1;
  }
  if (out.json) out.data({ id: issued.id, key: issued.key, prefix: issued.prefix, role });
  else {
    out.line(`${out.green('✓')} API key ${out.dim(issued.id)} for ${out.bold(input.slug)} — shown once, store it now:`);
    out.line(issued.key);
  }
  return 0;
};
