import type { Role } from '@shaman/platform';
import { gqlError } from '../errors.js';
import type { Principal } from './principal.js';

const RANK: Readonly<Record<Role, number>> = { OWNER: 4, ADMIN: 3, DEVELOPER: 2, VIEWER: 1 };

export const hasRole = (principal: Principal, minimum: Role): boolean => principal.role !== null && RANK[principal.role] >= RANK[minimum];

/** Whether `role` may be handed out by a caller of `granter` role: never above one's own. */
export const mayGrant = (granter: Role | null, role: Role): boolean => granter !== null && RANK[granter] >= RANK[role];

export const requireRole = (principal: Principal, minimum: Role): void => {
  if (hasRole(principal, minimum)) return;
  throw gqlError(
    'FORBIDDEN',
    principal.role === null
      ? 'no organization selected: send the x-shaman-org header with one of your organizations (see viewer.memberships)'
      : `this needs the ${minimum} role; the caller is ${principal.role}`,
  );
};

/**
 * The minimum role of every mutation, in one place so a review sees the whole policy. A mutation missing here
 * is refused for everyone (deny by default); the guard test checks that every schema mutation is listed.
 *
 * - VIEWER reads only. DEVELOPER works with agents and runs. ADMIN manages people, keys, secrets and the
 *   organization. OWNER alone grants OWNER.
 */
export const MUTATION_ROLES: Readonly<Record<string, Role | 'SIGNED_IN_PERSON'>> = {
  // Agents and runs.
  addRepository: 'DEVELOPER',
  updateRepository: 'DEVELOPER',
  syncRepository: 'DEVELOPER',
  removeRepository: 'ADMIN',
  createRun: 'DEVELOPER',
  cancelRun: 'DEVELOPER',
  cancelStep: 'DEVELOPER',
  provideInput: 'DEVELOPER',
  skipInput: 'DEVELOPER',
  // Secrets, keys, people, the organization.
  setSecret: 'ADMIN',
  deleteSecret: 'ADMIN',
  createApiKey: 'ADMIN',
  revokeApiKey: 'ADMIN',
  createServiceAccount: 'ADMIN',
  deleteServiceAccount: 'ADMIN',
  addMember: 'ADMIN',
  updateMemberRole: 'ADMIN',
  removeMember: 'ADMIN',
  updateOrganization: 'ADMIN',
  setRetentionPolicy: 'ADMIN',
  // External agent registries and the model response cache (issue 10).
  addRegistry: 'ADMIN',
  testRegistry: 'ADMIN',
  removeRegistry: 'ADMIN',
  setModelCache: 'ADMIN',
  // Before the organization exists: any person signed in with OIDC (API keys belong to an organization already).
  createOrganization: 'SIGNED_IN_PERSON',
};

/** Queries anyone authenticated may ask, with or without a role in an organization. */
export const OPEN_QUERIES: ReadonlySet<string> = new Set(['viewer', 'organizations']);
