import { createRepositoryCache, repositoryNameProblem, type RepositorySyncResult } from '@shaman/agents';
import { repositoryEventSink, syncAndRecord } from '@shaman/gql-api';
import { createSecretBox, deleteRepository, listRepositories, lockRepository, upsertRepository, type RepositoryRecord } from '@shaman/platform';
import { randomBytes } from 'node:crypto';
import { namedEnvVar, type CliConfig } from '../config.js';
import type { Output } from '../output.js';
import { withAdmin } from './org.command.js';
import { noOrg, orgIdOf } from './organizations.js';
import { withSyncQueue } from './repo-schedule.js';
import { withEventStore } from './event-store.js';

const isHttpUrl = (url: string): boolean => /^https?:\/\//i.test(url);

export type RepoAddInput = { slug?: string; name?: string; url?: string; branch?: string; tokenEnv?: string; interval?: string };

const MIN_INTERVAL = 60;
const MAX_INTERVAL = 86_400;

/** Reads the token named by `--token-env` and seals it; a message for the operator when that is not possible. */
const sealToken = (config: CliConfig, input: RepoAddInput): { ciphertext: string | null } | { problem: string } => {
  if (input.tokenEnv === undefined) return { ciphertext: null };
  const token = namedEnvVar(input.tokenEnv);
  if (!token) return { problem: `environment variable ${input.tokenEnv} is empty or not set` };
  // Refused rather than stored in clear: a token at rest is always encrypted (DESIGN §7).
  if (!config.SHAMAN_SECRET_KEY) return { problem: 'a token needs SHAMAN_SECRET_KEY (32 bytes, base64; e.g. `openssl rand -base64 32`)' };
  if (!isHttpUrl(input.url ?? '')) return { problem: 'a token is sent only to http(s) URLs' };
  return { ciphertext: createSecretBox(config.SHAMAN_SECRET_KEY).encrypt(token) };
};

/** A fresh webhook secret (32 random bytes, hex) and its sealed form; none without SHAMAN_SECRET_KEY. */
const newWebhookSecret = (config: CliConfig): { secret: string; ciphertext: string } | null => {
  if (!config.SHAMAN_SECRET_KEY) return null;
  const secret = randomBytes(32).toString('hex');
  return { secret, ciphertext: createSecretBox(config.SHAMAN_SECRET_KEY).encrypt(secret) };
};

const printAdded = (out: Output, added: { slug: string; repo: RepositoryRecord; webhookSecret: string | null }): void => {
  const { slug, repo, webhookSecret } = added;
  const webhookPath = `/webhooks/repositories/${repo.id}`;
  if (out.json) {
    const webhook = webhookSecret ? { path: webhookPath, secret: webhookSecret } : null;
    out.data({ id: repo.id, org: slug, name: repo.name, url: repo.url, branch: repo.branch, token: repo.tokenCiphertext !== null, syncIntervalSeconds: repo.syncIntervalSeconds, webhook });
    return;
  }
  out.line(`${out.green('✓')} repository ${out.bold(repo.name)} of ${out.bold(slug)}: ${repo.url} (${repo.branch})${repo.tokenCiphertext ? ', token stored encrypted' : ''}, synced every ${repo.syncIntervalSeconds}s. Sync it now with: shaman repo sync ${slug} ${repo.name}`);
  if (!webhookSecret) out.line(out.dim('no push webhook: it needs SHAMAN_SECRET_KEY to store its secret'));
  else out.line(`push webhook: POST <gql-api URL>${webhookPath}, content type application/json, secret (shown once, adding again rotates it):\n  ${webhookSecret}`);
};

/**
 * `shaman repo add <org-slug> <name> <url> [--branch b] [--token-env VAR]`: adds or updates a repository and
 * schedules its periodic sync. With SHAMAN_SECRET_KEY it also gets a push-webhook secret, shown once.
 */
export const repoAddCommand = async (config: CliConfig, out: Output, input: RepoAddInput): Promise<number> => {
  const { slug, name, url } = input;
  if (!slug || !name || !url) {
    out.error('usage: shaman repo add <org-slug> <name> <url> [--branch main] [--token-env VAR]');
    return 2;
  }
  const nameProblem = repositoryNameProblem(name);
  const sealed = sealToken(config, input);
  const interval = input.interval === undefined ? 300 : Number(input.interval);
  if (!Number.isInteger(interval) || interval < MIN_INTERVAL || interval > MAX_INTERVAL) {
    out.error(`--interval must be whole seconds between ${MIN_INTERVAL} and ${MAX_INTERVAL} (got ${input.interval})`);
    return 2;
  }
  if (nameProblem || 'problem' in sealed) {
    out.error(nameProblem ? `repository name ${name} ${nameProblem}` : `cannot store the token: ${(sealed as { problem: string }).problem}`);
    return 2;
  }
  const webhook = newWebhookSecret(config);
  const repo = await withAdmin(config, async (c) => {
    const orgId = await orgIdOf(c, slug);
    return orgId ? upsertRepository(c, { orgId, name, url, branch: input.branch ?? 'main', tokenCiphertext: sealed.ciphertext, webhookSecretCiphertext: webhook?.ciphertext ?? null, syncIntervalSeconds: interval }) : null;
  });
  if (!repo) return noOrg(out, slug);
  try {
    await withSyncQueue(config, (queue) => queue.schedule(repo));
  } catch (error) {
    out.error(`repository ${name} is stored but its periodic sync is not scheduled (Redis at ${config.REDIS_URL}: ${error instanceof Error ? error.message : String(error)}); run this command again`);
    return 1;
  }
  printAdded(out, { slug, repo, webhookSecret: webhook?.secret ?? null });
  return 0;
};

/** `shaman repo remove <org-slug> <name>`: deletes the repository and its periodic sync. */
export const repoRemoveCommand = async (config: CliConfig, out: Output, input: { slug?: string; name?: string }): Promise<number> => {
  const { slug, name } = input;
  if (!slug || !name) {
    out.error('usage: shaman repo remove <org-slug> <name>');
    return 2;
  }
  const removed = await withAdmin(config, async (c) => {
    const orgId = await orgIdOf(c, slug);
    return orgId ? { id: await deleteRepository(c, { orgId, name }) } : null;
  });
  if (!removed) return noOrg(out, slug);
  if (!removed.id) {
    out.error(`organization ${slug} has no repository ${name}`);
    return 1;
  }
  const { id } = removed;
  // A job already queued finds no row and ends as `gone`; only the scheduler has to go.
  await withSyncQueue(config, (queue) => queue.unschedule(id));
  if (out.json) out.data({ id, org: slug, name, removed: true });
  else out.line(`${out.green('✓')} repository ${out.bold(name)} of ${out.bold(slug)} removed, and its periodic sync`);
  return 0;
};

const printSync = (out: Output, repo: RepositoryRecord, result: RepositorySyncResult): void => {
  if (out.json) {
    const { commit, agents, aliases, errors, added, changed, removed, kept, externalAgents } = result;
    out.data({ repository: repo.name, commit, agents, aliases, externalAgents, errors, added, changed, removed, kept });
    return;
  }
  out.line(`${out.green('✓')} ${out.bold(repo.name)} synced at ${out.cyan(result.commit)}`);
  const note = (agent: string): string =>
    result.added.includes(agent) ? ' (added)' : result.changed.includes(agent) ? ' (changed)' : result.kept.includes(agent) ? out.red(` (invalid here; kept at ${result.agents[agent]?.commit.slice(0, 12)})`) : '';
  for (const agent of Object.keys(result.agents)) out.line(`  ${agent}${note(agent)} ${out.dim(result.agents[agent]?.file ?? '')}`);
  for (const agent of result.removed) out.line(`  ${out.dim(`${agent} (removed)`)}`);
  for (const [alias, target] of Object.entries(result.aliases)) out.line(`  ${alias} → ${target}`);
  for (const [external, agent] of Object.entries(result.externalAgents)) out.line(`  ${external} → ${agent.url} ${out.dim(`(external, A2A ${agent.protocolVersion})`)}`);
  if (result.errors.length > 0) out.line(out.red(`${result.errors.length} error(s):`));
  for (const e of result.errors) out.line(`  ${e.message}`);
};

/**
 * `shaman repo sync <org-slug> <name>`: syncs now and records what went live, with its repository events,
 * exactly as the sync worker does (one code path). Exits 0 when the sync ran, even with invalid files (the
 * valid agents are live, the errors are printed and recorded); 1 when git failed.
 */
export const repoSyncCommand = async (config: CliConfig, out: Output, input: { slug?: string; name?: string }): Promise<number> => {
  const { slug, name } = input;
  if (!slug || !name) {
    out.error('usage: shaman repo sync <org-slug> <name>');
    return 2;
  }
  const cache = createRepositoryCache({ dir: config.SHAMAN_REPO_CACHE });
  const secretBox = config.SHAMAN_SECRET_KEY ? createSecretBox(config.SHAMAN_SECRET_KEY) : null;
  return withEventStore(config, (store) =>
    withAdmin(config, async (c) => {
      const orgId = await orgIdOf(c, slug);
      if (!orgId) return noOrg(out, slug);
      const found = (await listRepositories(c, orgId)).find((r) => r.name === name);
      if (!found) {
        out.error(`organization ${slug} has no repository ${name} (add it with: shaman repo add ${slug} ${name} <url>)`);
        return 1;
      }
      // The worker's row lock, so a CLI sync and a scheduled one of the same repository run one after the other.
      await c.query('BEGIN');
      try {
        const repo = (await lockRepository(c, found.id)) ?? found;
        const attempt = await syncAndRecord({ cache, secretBox, events: repositoryEventSink(store), clock: () => new Date() }, c, repo);
        await c.query('COMMIT');
        if (attempt.status === 'synced') {
          printSync(out, repo, attempt.result);
          return 0;
        }
        out.error(`sync of ${name} failed (live agents unchanged): ${attempt.message}`);
        return 1;
      } catch (error) {
        await c.query('ROLLBACK');
        throw error;
      }
    }),
  );
};

/** `shaman repo list <org-slug>`: repositories with their last sync. Tokens are never shown, only whether one is set. */
export const repoListCommand = async (config: CliConfig, out: Output, input: { slug?: string }): Promise<number> => {
  const { slug } = input;
  if (!slug) {
    out.error('usage: shaman repo list <org-slug>');
    return 2;
  }
  const repos = await withAdmin(config, async (c) => {
    const orgId = await orgIdOf(c, slug);
    return orgId ? listRepositories(c, orgId) : null;
  });
  if (!repos) return noOrg(out, slug);
  const view = repos.map((r) => ({ name: r.name, url: r.url, branch: r.branch, token: r.tokenCiphertext !== null, lastCommit: r.lastCommit, lastSyncedAt: r.lastSyncedAt, agents: Object.keys(r.agents), aliases: r.aliases, externalAgents: Object.keys(r.externalAgents), errors: r.lastErrors ?? [] }));
  if (out.json) out.data(view);
  else if (view.length === 0) out.line(`no repositories in ${slug} (add one with: shaman repo add ${slug} <name> <url>)`);
  for (const r of out.json ? [] : view) {
    out.line(`${out.bold(r.name)} ${r.url} (${r.branch}) ${r.lastCommit ? out.cyan(r.lastCommit.slice(0, 12)) : out.dim('never synced')}${r.errors.length ? out.red(` ${r.errors.length} error(s)`) : ''}`);
    if (r.agents.length > 0) out.line(`  ${r.agents.join(', ')}`);
  }
  return 0;
};
