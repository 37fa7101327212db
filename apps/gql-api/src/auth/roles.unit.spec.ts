import { describe, expect, it } from 'vitest';
import { createSchema } from '../schema/schema.js';
import { hasRole, mayGrant, MUTATION_ROLES } from './roles.js';
import type { Principal } from './principal.js';

const as = (role: Principal['role']): Principal => ({ orgId: 'o', role, actor: { kind: 'api_key', id: 'k' }, keyId: 'k', userId: null, person: null, scopes: ['*'] });

describe('role policy', () => {
  it('lists every mutation of the schema, and nothing the schema lacks (deny by default stays explicit)', () => {
    const mutations = Object.keys(createSchema().getMutationType()?.getFields() ?? {}).sort();
    expect(Object.keys(MUTATION_ROLES).sort()).toEqual(mutations);
  });

  it('orders roles OWNER > ADMIN > DEVELOPER > VIEWER, and a caller without one has none', () => {
    expect(hasRole(as('ADMIN'), 'DEVELOPER')).toBe(true);
    expect(hasRole(as('DEVELOPER'), 'ADMIN')).toBe(false);
    expect(hasRole(as('VIEWER'), 'VIEWER')).toBe(true);
    expect(hasRole(as(null), 'VIEWER')).toBe(false);
  });

  it('never lets a caller grant a role above its own', () => {
    expect(mayGrant('ADMIN', 'ADMIN')).toBe(true);
    expect(mayGrant('ADMIN', 'OWNER')).toBe(false);
    expect(mayGrant('OWNER', 'OWNER')).toBe(true);
    expect(mayGrant(null, 'VIEWER')).toBe(false);
  });

  it('keeps VIEWER read-only and key management above DEVELOPER', () => {
    expect(Object.values(MUTATION_ROLES)).not.toContain('VIEWER');
    expect(MUTATION_ROLES['createApiKey']).toBe('ADMIN');
    expect(MUTATION_ROLES['revokeApiKey']).toBe('ADMIN');
  });
});
