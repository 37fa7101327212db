import { describe, expect, it } from 'vitest';
import { AgentFrontmatter } from '../frontmatter.schema.js';

const base = { name: 'Geo', model: 'gpt-4o-mini' };

describe('frontmatter cache (model response cache opt-in)', () => {
  it('is absent by default and accepts a TTL in seconds', () => {
    expect(AgentFrontmatter.parse(base).cache).toBeUndefined();
    expect(AgentFrontmatter.parse({ ...base, cache: { ttlSeconds: 600 } }).cache).toEqual({ ttlSeconds: 600 });
  });

  it.each([{ ttlSeconds: 0 }, { ttlSeconds: 1.5 }, { ttlSeconds: 2_592_001 }, { ttl: 60 }, {}])('refuses %j', (cache) => {
    expect(AgentFrontmatter.safeParse({ ...base, cache }).success).toBe(false);
  });
});
