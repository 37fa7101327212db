import { createSecretBox, deleteOrgSecret, listOrgSecrets, putOrgSecret, SECRET_NAME } from '@shaman/platform';
import { namedEnvVar, type CliConfig } from '../config.js';
import type { Output } from '../output.js';
import { withAdmin } from './org.command.js';
import { noOrg, orgIdOf } from './organizations.js';

/**
 * `shaman secret set <org-slug> <NAME> --value-env VAR`: stores an organization secret, encrypted. The value
 * is read from the environment variable the operator names, never from argv (which `ps` and shell history show),
 * and is never printed.
 */
export const secretSetCommand = async (config: CliConfig, out: Output, input: { slug?: string; name?: string; valueEnv?: string }): Promise<number> => {
  const { slug, name, valueEnv } = input;
  if (!slug || !name || !valueEnv) {
    out.error('usage: shaman secret set <org-slug> <NAME> --value-env VAR');
    return 2;
  }
  if (!SECRET_NAME.test(name)) {
    out.error(`secret name ${name} must be letters, digits and _, not starting with a digit (as written in \${NAME})`);
    return 2;
  }
  const value = namedEnvVar(valueEnv);
  if (!value) {
    out.error(`environment variable ${valueEnv} is empty or not set`);
    return 2;
  }
  if (!config.SHAMAN_SECRET_KEY) {
    out.error('secrets need SHAMAN_SECRET_KEY (32 bytes, base64; e.g. `openssl rand -base64 32`), to store them encrypted');
    return 2;
  }
  const box = createSecretBox(config.SHAMAN_SECRET_KEY);
  const stored = await withAdmin(config, async (c) => {
    const orgId = await orgIdOf(c, slug);
    return orgId ? putOrgSecret(c, box, { orgId, name, value }) : null;
  });
  if (!stored) return noOrg(out, slug);
  if (out.json) out.data({ org: slug, name, replaced: stored.replaced });
  else out.line(`${out.green('✓')} secret ${out.bold(name)} of ${out.bold(slug)} ${stored.replaced ? 'replaced' : 'stored'} (encrypted); reference it as \${${name}}`);
  return 0;
};

/** `shaman secret list <org-slug>`: names and dates only. */
export const secretListCommand = async (config: CliConfig, out: Output, input: { slug?: string }): Promise<number> => {
  const { slug } = input;
  if (!slug) {
    out.error('usage: shaman secret list <org-slug>');
    return 2;
  }
  const secrets = await withAdmin(config, async (c) => {
    const orgId = await orgIdOf(c, slug);
    return orgId ? listOrgSecrets(c, orgId) : null;
  });
  if (!secrets) return noOrg(out, slug);
  if (out.json) out.data(secrets);
  else if (secrets.length === 0) out.line(`no secrets in ${slug} (add one with: shaman secret set ${slug} NAME --value-env VAR)`);
  for (const s of out.json ? [] : secrets) out.line(`${out.bold(s.name)} ${out.dim(`updated ${s.updatedAt.toISOString()}`)}`);
  return 0;
};

/** `shaman secret remove <org-slug> <NAME>`. */
export const secretRemoveCommand = async (config: CliConfig, out: Output, input: { slug?: string; name?: string }): Promise<number> => {
  const { slug, name } = input;
  if (!slug || !name) {
    out.error('usage: shaman secret remove <org-slug> <NAME>');
    return 2;
  }
  const deleted = await withAdmin(config, async (c) => {
    const orgId = await orgIdOf(c, slug);
    return orgId ? deleteOrgSecret(c, { orgId, name }) : null;
  });
  if (deleted === null) return noOrg(out, slug);
  if (!deleted) {
    out.error(`organization ${slug} has no secret ${name}`);
    return 1;
  }
  if (out.json) out.data({ org: slug, name, removed: true });
  else out.line(`${out.green('✓')} secret ${out.bold(name)} of ${out.bold(slug)} removed`);
  return 0;
};
