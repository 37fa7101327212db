import { describe, expect, it } from 'vitest';
import { repositoryUrlProblem } from './repository.input.js';

describe('repositoryUrlProblem (where a tenant may point the platform’s git)', () => {
  it.each(['https://github.com/acme/agents.git', 'http://git.acme.example/agents', 'ssh://git@github.com/acme/agents.git', 'git@github.com:acme/agents.git'])('allows %s', (url) => {
    expect(repositoryUrlProblem(url, { allowLocal: false })).toBeNull();
  });

  it.each([
    ['a local path', '/srv/agents'],
    ['file://', 'file:///etc/secret-repo'],
    ['the ext transport', 'ext::sh -c touch% /tmp/pwned'],
    ['loopback', 'https://127.0.0.1/acme.git'],
    ['localhost', 'http://localhost:3000/acme.git'],
    ['a private network', 'https://10.1.2.3/acme.git'],
    ['a private scp-style host', 'git@192.168.1.5:acme/agents.git'],
    ['link-local metadata', 'http://169.254.169.254/latest'],
    ['IPv6 loopback', 'https://[::1]/acme.git'],
    ['an option', '--upload-pack=touch /tmp/x'],
  ])('refuses %s', (_, url) => {
    expect(repositoryUrlProblem(url, { allowLocal: false })).toEqual(expect.any(String));
  });

  it('allows local and private URLs when the operator says so (development)', () => {
    expect(repositoryUrlProblem('file:///tmp/origin', { allowLocal: true })).toBeNull();
    expect(repositoryUrlProblem('--upload-pack=x', { allowLocal: true })).toEqual(expect.any(String));
  });
});
