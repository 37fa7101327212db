/** Why a repository could not be synced as a whole (as opposed to one agent file being invalid). */
export type GitSyncErrorCode = 'git.fetch_failed' | 'git.branch_not_found' | 'git.checkout_failed' | 'git.bad_url' | 'git.bad_name';

/**
 * A git failure, with every credential removed from its message. The original simple-git error is NOT kept as
 * `cause`: its message and stack carry the command line, which holds the token.
 */
export class GitSyncError extends Error {
  override readonly name = 'GitSyncError';
  constructor(readonly code: GitSyncErrorCode, message: string) {
    super(message);
  }
}

/**
 * Removes the token and any `user:password@` from text that may echo a URL (git's stderr, simple-git's
 * messages). Both, because git sometimes prints the URL percent-encoded and sometimes strips only part of it.
 */
export const redactSecrets = (text: string, token?: string): string => {
  let out = text.replace(/([a-z][a-z0-9+.-]*:\/\/)[^/@\s'"]+@/gi, '$1***@');
  if (token) {
    for (const form of new Set([token, encodeURIComponent(token)])) out = out.split(form).join('***');
  }
  return out;
};
