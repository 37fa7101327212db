import { createHash } from 'node:crypto';
import { access, mkdir, readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
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

/** The URL handed to git: the token travels only here, never into git config, logs or errors. */
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
  parsed.password = token;
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
      const commit = await fetchBranch(git, source);
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

// `core.askPass=true`: git asks the program `true` for missing credentials and gets nothing, so a bad or
// missing token fails at once instead of prompting on the operator's terminal. Fixed by us, never by a tenant,
// which is why simple-git's guard against askPass may be lifted here.
const gitAt = (baseDir: string): SimpleGit =>
  simpleGit({ baseDir, config: ['core.askPass=true'], unsafe: { allowUnsafeAskPass: true } });

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
