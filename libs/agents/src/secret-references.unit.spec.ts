import { describe, expect, it } from 'vitest';
import { AgentsManifest } from './git/agents-manifest.js';
import { interpolateSecrets, MissingSecretError, secretReferences } from './secret-references.js';

describe('${SECRET} references', () => {
  it('lists the names a value refers to, once each, in order', () => {
    expect(secretReferences('Bearer ${TOKEN} / ${REGION} / ${TOKEN}')).toEqual(['TOKEN', 'REGION']);
    expect(secretReferences('no references, $NOT {ONE}')).toEqual([]);
  });

  it('interpolates every reference, and fails closed on a missing one, naming the field but no value', () => {
    const lookup = (name: string) => ({ TOKEN: 's3cr3t' })[name];
    expect(interpolateSecrets('Bearer ${TOKEN}', 'auth.token', lookup)).toBe('Bearer s3cr3t');
    const error = (() => {
      try {
        return interpolateSecrets('${TOKEN}:${MISSING}', 'auth.value', lookup);
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(MissingSecretError);
    expect((error as MissingSecretError).message).toBe("auth.value references ${MISSING}, which is not set in the organization's secrets");
    expect((error as Error).message).not.toContain('s3cr3t');
  });
});

describe('agents.json external agents', () => {
  it('accepts credentials only as references, with defaults for version and auth', () => {
    const parsed = AgentsManifest.parse({ agents: { Partner: { url: 'https://p.example/a2a/v1', auth: { type: 'apiKey', value: '${KEY}' } }, Open: { url: 'http://o.example/a2a' } } });
    expect(parsed.agents['Partner']).toEqual({ url: 'https://p.example/a2a/v1', description: '', protocolVersion: '0.3', auth: { type: 'apiKey', header: 'x-api-key', value: '${KEY}' } });
    expect(parsed.agents['Open']?.auth).toEqual({ type: 'none' });
  });

  it.each([
    ['a literal token', { url: 'https://p.example', auth: { type: 'bearer', token: 'ghp_x' } }, 'agents.P.auth.token'],
    ['a non-http URL', { url: 'ftp://p.example' }, 'agents.P.url'],
    ['an unknown field', { url: 'https://p.example', retries: 3 }, 'agents.P'],
    ['an unknown protocol version', { url: 'https://p.example', protocolVersion: '2.0' }, 'agents.P.protocolVersion'],
  ])('refuses %s', (_, agent, path) => {
    const result = AgentsManifest.safeParse({ agents: { P: agent } });
    expect(result.success).toBe(false);
    expect(result.error?.issues.map((i) => i.path.join('.'))).toContain(path);
  });

  it('refuses reserved names', () => {
    expect(AgentsManifest.safeParse({ agents: { admin: { url: 'https://p.example' } } }).success).toBe(false);
  });
});
