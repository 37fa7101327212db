import { describe, expect, it } from 'vitest';
import { orgSlugFromHost } from './tenancy.js';

describe('orgSlugFromHost', () => {
  it('reads one label under the base domain, ignoring case, port and a trailing dot', () => {
    expect(orgSlugFromHost('acme.agents.example.com', 'agents.example.com')).toBe('acme');
    expect(orgSlugFromHost('ACME.Agents.Example.com:8443', 'agents.example.com')).toBe('acme');
    expect(orgSlugFromHost('acme.agents.example.com.', 'agents.example.com')).toBe('acme');
  });
  it('names no organization for the base domain itself, other domains, nested labels, or without a base domain', () => {
    expect(orgSlugFromHost('agents.example.com', 'agents.example.com')).toBeNull();
    expect(orgSlugFromHost('acme.example.org', 'agents.example.com')).toBeNull();
    expect(orgSlugFromHost('x.acme.agents.example.com', 'agents.example.com')).toBeNull();
    expect(orgSlugFromHost('evilagents.example.com', 'agents.example.com')).toBeNull();
    expect(orgSlugFromHost('acme.agents.example.com', undefined)).toBeNull();
    expect(orgSlugFromHost(undefined, 'agents.example.com')).toBeNull();
  });
});
