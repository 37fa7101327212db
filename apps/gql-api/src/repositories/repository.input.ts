import { repositoryNameProblem } from '@shaman/agents';
import { isIP } from 'node:net';
import { userError, type UserError } from '../graphql/user-error.js';

export type RepositoryFields = { name: string; url?: string | null; branch?: string | null; token?: string | null; syncIntervalSeconds?: number | null };

// A branch name git accepts and that cannot be read as an option ("-…") by the git command line.
const BRANCH = /^(?!-)(?!.*\.\.)[A-Za-z0-9._/-]{1,255}$/;
const MIN_INTERVAL = 60;
const MAX_INTERVAL = 86_400;

const isHttpUrl = (url: string): boolean => /^https?:\/\//i.test(url);

// Loopback, private, link-local and unspecified literals: a tenant must not make the platform's git fetch
// from its own network. (A DNS name that resolves to one is the residual risk; see docs/agents.md.)
const PRIVATE_HOST = /^(localhost|.*\.localhost|127\.|10\.|192\.168\.|172\.(1[6-9]|2\d|3[01])\.|169\.254\.|0\.|\[?::1\]?$|\[?f[cd][0-9a-f]{2}:|\[?fe80:)/i;

/**
 * Where a tenant may point the platform's git: https, http or ssh on a public host. Local paths and `file://`
 * would read the host's own repositories; other transports (`ext::`, `fd::`) run commands. An operator may allow
 * local and private URLs (REPO_ALLOW_LOCAL_URLS, for development and tests); the CLI, run by the operator, may too.
 */
export const repositoryUrlProblem = (url: string, options: { allowLocal: boolean }): string | null => {
  if (url.trim() === '' || url.startsWith('-')) return 'url must be a repository URL';
  if (options.allowLocal) return null;
  const scp = /^[A-Za-z0-9._-]+@([A-Za-z0-9.-]+):/.exec(url); // git@host:org/repo.git
  let host: string;
  if (scp?.[1]) host = scp[1];
  else {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      return 'url must be an https://, http:// or ssh:// URL (local paths are not allowed here)';
    }
    if (!['https:', 'http:', 'ssh:'].includes(parsed.protocol)) return `url scheme ${parsed.protocol} is not allowed (https, http or ssh)`;
    host = parsed.hostname;
  }
  if (host === '' || PRIVATE_HOST.test(host) || (isIP(host) === 4 && host.startsWith('100.64.'))) return `url host ${host} is local or private`;
  return null;
};

/**
 * Every problem of a repository's fields at once, each naming its field. The token is checked for presence
 * and transport only; its value never appears in a message.
 */
export const repositoryInputProblems = (input: RepositoryFields, options: { canSealToken: boolean; allowLocalUrls: boolean }): UserError[] => {
  const problems: UserError[] = [];
  const nameProblem = repositoryNameProblem(input.name);
  if (nameProblem) problems.push(userError('INVALID', `repository name ${input.name} ${nameProblem}`, 'name'));
  const urlProblem = input.url == null ? null : repositoryUrlProblem(input.url, { allowLocal: options.allowLocalUrls });
  if (urlProblem) problems.push(userError('INVALID', urlProblem, 'url'));
  if (input.branch != null && !BRANCH.test(input.branch)) problems.push(userError('INVALID', 'branch is not a valid branch name', 'branch'));
  const interval = input.syncIntervalSeconds;
  if (interval != null && (!Number.isInteger(interval) || interval < MIN_INTERVAL || interval > MAX_INTERVAL)) {
    problems.push(userError('INVALID', `syncIntervalSeconds must be between ${MIN_INTERVAL} and ${MAX_INTERVAL}`, 'syncIntervalSeconds'));
  }
  if (input.token != null) {
    if (input.token === '') problems.push(userError('INVALID', 'token is empty', 'token'));
    else if (!options.canSealToken) problems.push(userError('UNAVAILABLE', 'a token needs SHAMAN_SECRET_KEY on the server, to store it encrypted', 'token'));
    else if (input.url != null && !isHttpUrl(input.url)) problems.push(userError('INVALID', 'a token is sent only to http(s) URLs', 'token'));
  }
  return problems;
};
