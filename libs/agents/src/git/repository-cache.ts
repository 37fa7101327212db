import { createHash } from 'node:crypto';
import { access, chmod, mkdir, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { simpleGit, type SimpleGit } from 'simple-git';
import { GitSyncError, redactSecrets, type GitSyncErrorCode } from './git-sync.error.js';

export type GitSource = { url: string; branch: string; token?: string | undefined };
export type SyncedCommit = { commit: string; worktree: string };
export type RepositoryCache = {
  /** Fetches the branch and returns its head commit, checked out in an immutable worktree. */
  sync(source: GitSource): Promise<SyncedCommit>;
  /** Where the worktree of a commit of this source lives (whether or not it exists yet). */
  worktreeOf(source: Pick<GitSource, 'url'>, commit: string): string;
  /**
   * Removes this source's worktrees that are neither in `keep` nor younger than `olderThan` (by the time they
   * were checked out), and returns their commits. The mirror keeps the objects, so a commit can be checked out
   * again; what a run still reads is protected by the retention window the caller chooses.
   */
  prune(source: Pick<GitSource, 'url'>, options: { keep: ReadonlySet<string>; olderThan: Date }): Promise<string[]>;
};

const SHA = /^[0-9a-f]{40}([0-9a-f]{24})?$/;

/** The URL without credentials: what identifies a repository, and what may appear in logs. */
const publicUrl = (url: string): string => redactSecrets(url).replace('***@', '');

/**
 * The URL handed to git when a token authenticates: the user name only. The token itself reaches git through
 * `askPass` (below), never on a command line: git hands the URL to `git-remote-https` as an argument, and any
 * local user can read a process's arguments (`ps`), while its environment is readable by its owner alone.
 */
const authenticatedUrl = (url: string, token: string | undefined): string => {
  if (token === undefined) return url;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new GitSyncError('git.bad_url', `a token needs an http(s) URL, got ${publicUrl(url)}`);
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') throw new GitSyncError('git.bad_url', `a token needs an http(s) URL, got ${publicUrl(url)}`);
  parsed.username = 'x-access-token';
  parsed.password = '';
  return parsed.toString();
};

/** One directory per repository URL; hashed so any URL makes a safe, fixed-length directory name. */
const repoKey = (url: string): string => createHash('sha256').update(publicUrl(url)).digest('hex').slice(0, 16);

const exists = (path: string): Promise<boolean> => access(path).then(() => true, () => false);

/**
 * Bare mirrors and per-commit worktrees under `dir`, driven by simple-git (argument arrays, never a shell).
 *
 * - `<dir>/<repoKey>/mirror.git`: a bare repository, created once with `init --bare` and then `fetch`ed. Not
 *   `clone`: a clone stores its remote URL in the repository's config, and that URL holds the token.
 * - `<dir>/<repoKey>/<commit>/`: `git worktree add --detach` of one commit. Worktrees share the mirror's
 *   objects (cheap), and git counts their HEADs as reachable, so no gc in the mirror removes what a pinned
 *   run still reads (a `clone --shared` would not be protected that way). A worktree is never changed after
 *   it is created: runs pinned to that commit read it while newer commits arrive.
 *
 * Syncs of one repository are serialised in this process; two processes sharing `dir` are not coordinated
 * (one syncing process per cache directory, see docs/agents.md).
 */
export const createRepositoryCache = (options: { dir: string }): RepositoryCache => {
  let askPass: Promise<string> | null = null;
  const askPassScript = (): Promise<string> => (askPass ??= writeAskPass(options.dir));
  const queues = new Map<string, Promise<unknown>>();
  const serialised = <T>(key: string, fn: () => Promise<T>): Promise<T> => {
    const next = (queues.get(key) ?? Promise.resolve()).then(fn, fn);
    queues.set(key, next.catch(() => undefined));
    return next;
  };
  const worktreeOf = (source: Pick<GitSource, 'url'>, commit: string): string => join(options.dir, repoKey(source.url), commit);
  const sync = (source: GitSource): Promise<SyncedCommit> => {
    const key = repoKey(source.url);
    return serialised(key, async () => {
      const mirror = join(options.dir, key, 'mirror.git');
      const git = await openMirror(mirror);
      const auth = source.token === undefined ? undefined : { askPass: await askPassScript(), token: source.token };
      const commit = await fetchBranch(gitAt(mirror, auth), source);
      const worktree = worktreeOf(source, commit);
      await ensureWorktree(git, { worktree, commit, token: source.token });
      return { commit, worktree };
    });
  };
  const prune = (source: Pick<GitSource, 'url'>, policy: { keep: ReadonlySet<string>; olderThan: Date }): Promise<string[]> => {
    const key = repoKey(source.url);
    return serialised(key, async () => {
      const root = join(options.dir, key);
      const entries = await readdir(root).catch(() => [] as string[]);
      const removed: string[] = [];
      for (const commit of entries.filter((e) => SHA.test(e) && !policy.keep.has(e))) {
        const checkedOutAt = await stat(join(root, commit)).then((s) => s.mtime, () => null);
        if (!checkedOutAt || checkedOutAt >= policy.olderThan) continue;
        await rm(join(root, commit), { recursive: true, force: true });
        removed.push(commit);
      }
      // git forgets the removed worktrees, so their HEADs stop protecting objects from gc.
      if (removed.length > 0) await gitAt(join(root, 'mirror.git')).raw(['worktree', 'prune']);
      return removed;
    });
  };
  return { sync, worktreeOf, prune };
};

/** What answers git's credential prompts for a fetch with a token: a script, and the token it prints. */
type Auth = { askPass: string; token: string };

/**
 * Git's `askPass` program for fetches with a token: the user name for git's first prompt, then the token, read
 * from the environment of the git process that asks (SHAMAN_GIT_TOKEN). Written once per cache directory,
 * readable and executable by its owner only; it holds no secret.
 */
const writeAskPass = async (dir: string): Promise<string> => {
  await mkdir(dir, { recursive: true });
  // Absolute: git runs it from the mirror's directory.
  const path = resolve(dir, 'git-askpass.sh');
  await writeFile(path, `#!/bin/sh\ncase "$1" in\n  Username*) printf '%s\\n' x-access-token ;;\n  *) printf '%s\\n' "$SHAMAN_GIT_TOKEN" ;;\nesac\n`, { mode: 0o700 });
  await chmod(path, 0o700);
  return path;
};

/** What an authenticated git process inherits from ours: where programs are, the host's locale, proxies and CAs. */
const INHERITED = ['PATH', 'HOME', 'LANG', 'LC_ALL', 'TMPDIR', 'HTTPS_PROXY', 'https_proxy', 'HTTP_PROXY', 'http_proxy', 'NO_PROXY', 'no_proxy', 'SSL_CERT_FILE', 'SSL_CERT_DIR'];

/** The environment of an authenticated git process: a short allow-list of ours, plus the token. */
const tokenEnvironment = (token: string): Record<string, string> => {
  const env: Record<string, string> = {};
  for (const name of INHERITED) {
    // eslint-disable-next-line no-restricted-properties -- not configuration: what any spawned process inherits, cut to a list
    const value = process.env[name];
    if (value !== undefined) env[name] = value;
  }
  return { ...env, SHAMAN_GIT_TOKEN: token };
};

// Without a token `core.askPass=true`: git asks the program `true` for missing credentials and gets nothing, so a
// bad or missing token fails at once instead of prompting on the operator's terminal. With one, the script above.
// `credential.helper=` empties the helper list, so no helper configured on the host supplies another password or
// stores ours. Both are fixed by us, never by a tenant, which is why simple-git's guards against them are lifted.
const gitAt = (baseDir: string, auth?: Auth): SimpleGit => {
  const git = simpleGit({
    baseDir,
    config: [`core.askPass=${auth?.askPass ?? 'true'}`, 'credential.helper='],
    unsafe: { allowUnsafeAskPass: true, allowUnsafeCredentialHelper: true },
  });
  return auth ? git.env(tokenEnvironment(auth.token)) : git;
};

const openMirror = async (mirror: string): Promise<SimpleGit> => {
  if (!(await exists(join(mirror, 'HEAD')))) {
    await mkdir(mirror, { recursive: true });
    await gitAt(mirror).raw(['init', '--bare', '--quiet']);
  }
  return gitAt(mirror);
};

const wrap = async <T>(code: GitSyncErrorCode, token: string | undefined, fn: () => Promise<T>): Promise<T> => {
  try {
    return await fn();
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw new GitSyncError(code, redactSecrets(message, token).trim());
  }
};

const fetchBranch = async (git: SimpleGit, source: GitSource): Promise<string> => {
  const ref = `refs/heads/${source.branch}`;
  if (!/^[A-Za-z0-9._/-]+$/.test(source.branch) || source.branch.startsWith('-')) throw new GitSyncError('git.bad_name', `invalid branch name ${JSON.stringify(source.branch)}`);
  const url = authenticatedUrl(source.url, source.token);
  const where = `${publicUrl(source.url)} (${source.branch})`;
  await wrap('git.fetch_failed', source.token, async () => {
    try {
      // `--` ends options: a URL starting with "-" cannot be read as one.
      await git.raw(['fetch', '--quiet', '--no-tags', '--force', '--', url, `+${ref}:${ref}`]);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      const missingRef = /couldn't find remote ref/i.test(message);
      throw new Error(missingRef ? `branch ${source.branch} not found in ${publicUrl(source.url)}` : `cannot fetch ${where}: ${message}`);
    }
  });
  const commit = (await wrap('git.branch_not_found', source.token, () => git.raw(['rev-parse', '--verify', `${ref}^{commit}`]))).trim();
  if (!SHA.test(commit)) throw new GitSyncError('git.branch_not_found', `branch ${source.branch} has no commit in ${publicUrl(source.url)}`);
  return commit;
};

const ensureWorktree = async (git: SimpleGit, target: { worktree: string; commit: string; token: string | undefined }): Promise<void> => {
  const { worktree, commit } = target;
  if (await exists(join(worktree, '.git'))) {
    const head = await gitAt(worktree).raw(['rev-parse', 'HEAD']).then((h) => h.trim(), () => '');
    if (head === commit) return;
  }
  // A half-created worktree (a crash during checkout) is removed and made again; git forgets it with prune.
  await rm(worktree, { recursive: true, force: true });
  await wrap('git.checkout_failed', target.token, async () => {
    await git.raw(['worktree', 'prune']);
    await git.raw(['worktree', 'add', '--detach', '--quiet', worktree, commit]);
  });
};
