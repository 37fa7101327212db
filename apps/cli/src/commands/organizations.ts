import type pg from 'pg';
import type { Output } from '../output.js';

/** An organization's id by its slug, on the admin connection. */
export const orgIdOf = async (client: pg.Client, slug: string): Promise<string | undefined> =>
  (await client.query<{ id: string }>('SELECT id FROM organizations WHERE slug = $1', [slug])).rows[0]?.id;

/** The message and exit code for a slug that names no organization. */
export const noOrg = (out: Output, slug: string): number => {
  out.error(`no organization with slug ${slug} (create it with: shaman org create ${slug} --agents <dir>)`);
  return 1;
};
