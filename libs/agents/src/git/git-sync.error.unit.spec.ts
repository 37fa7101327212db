import { describe, expect, it } from 'vitest';
import { redactSecrets } from './git-sync.error.js';
import { repositoryNameProblem } from './sync-repository.js';

describe('redactSecrets', () => {
  it('removes user:password@ from any URL and every occurrence of the token, also percent-encoded', () => {
    const token = 'ghp_a/b+c';
    const text = `fatal: unable to access 'https://x-access-token:${encodeURIComponent(token)}@github.com/acme/agents.git/': 403 (${token})`;
    const redacted = redactSecrets(text, token);
    expect(redacted).toBe("fatal: unable to access 'https://***@github.com/acme/agents.git/': 403 (***)");
  });

  it('leaves text without credentials alone', () => {
    expect(redactSecrets('fatal: repository https://github.com/acme/x.git not found')).toBe('fatal: repository https://github.com/acme/x.git not found');
  });
});

describe('repositoryNameProblem', () => {
  it.each(['system', 'Admin', 'ROOT', 'internal'])('refuses the reserved name %s', (name) => {
    expect(repositoryNameProblem(name)).toMatch(/reserved/);
  });
  it.each(['a/b', '-x', '', 'x'.repeat(64)])('refuses the malformed name %j', (name) => {
    expect(repositoryNameProblem(name)).toMatch(/letters, digits/);
  });
  it('accepts agent-like names', () => {
    expect(repositoryNameProblem('team-agents_2')).toBeNull();
  });
});
