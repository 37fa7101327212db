import { describe, expect, it } from 'vitest';
import { listingUrl, maxAgeOf } from './registry-client.js';
import { RegistryListing } from './registry-listing.schema.js';

const agent = { name: 'Translator', url: 'https://partner.example/a2a', cardUrl: 'https://partner.example/a2a/.well-known/agent-card.json' };

describe('RegistryListing', () => {
  it('accepts { agents: [...] } and a bare array, with defaults', () => {
    const expected = [{ ...agent, description: '', protocolVersion: '0.3' }];
    expect(RegistryListing.parse({ agents: [agent] })).toEqual(expected);
    expect(RegistryListing.parse([agent])).toEqual(expected);
  });

  it('accepts an inline card instead of a card URL', () => {
    expect(RegistryListing.parse([{ name: 'A', url: 'https://x.example/', card: { name: 'A' } }])).toHaveLength(1);
  });

  it.each([
    ['no card at all', [{ name: 'A', url: 'https://x.example/' }]],
    ['a non-http endpoint', [{ ...agent, url: 'ftp://x.example/' }]],
    ['an invalid agent name', [{ ...agent, name: 'two words' }]],
    ['one name twice', [agent, agent]],
    ['not a list', { agents: 'none' }],
  ])('refuses %s', (_, body) => {
    expect(RegistryListing.safeParse(body).success).toBe(false);
  });
});

describe('registry HTTP helpers', () => {
  it('builds the listing URL from the root, with or without a trailing slash', () => {
    expect(listingUrl('https://r.example/registry/')).toBe('https://r.example/registry/agents');
    expect(listingUrl('https://r.example')).toBe('https://r.example/agents');
    expect(listingUrl('https://r.example/v1?x=1#f')).toBe('https://r.example/v1/agents');
  });

  it('reads max-age, and treats no-store / no-cache as nothing to keep', () => {
    expect(maxAgeOf('public, max-age=120')).toBe(120);
    expect(maxAgeOf('no-store')).toBe(0);
    expect(maxAgeOf('no-cache, max-age=60')).toBe(0);
    expect(maxAgeOf('public')).toBeNull();
    expect(maxAgeOf(null)).toBeNull();
  });
});
