import { issueApiKey, newId, withOrg, type Role } from '@shaman/platform';
import { z } from 'zod';
import { mayGrant } from '../auth/roles.js';
import { connectionOf, type Connection } from '../graphql/connection.js';
import type { GqlContext } from '../graphql/context.js';
import { userError, type UserError } from '../graphql/user-error.js';
import {
  countOwners,
  deleteMember,
  deleteServiceAccountRow,
  findApiKey,
  findMember,
  findOrganization,
  findServiceAccount,
  insertServiceAccount,
  listApiKeys,
  listMembers,
  listServiceAccounts,
  renameOrganization,
  revokeKey,
  upsertMember,
  type ApiKeyView,
  type MemberView,
  type OrganizationView,
  type ServiceAccountView,
} from './identity.repository.js';

const Uuid = z.uuid();
const SLUG = /^[a-z0-9][a-z0-9-]{1,62}$/;
const NAME_MAX = 200;
const ACTOR_KIND = { api_key: 'API_KEY', user: 'USER', service_account: 'SERVICE_ACCOUNT' } as const;

const actorOf = (ctx: GqlContext) => ({ kind: ACTOR_KIND[ctx.principal.actor.kind], id: ctx.principal.actor.id });
const invalidId = (field: string): UserError => userError('INVALID', `${field} is not an id`, field);
const cannotGrant = (ctx: GqlContext, role: Role, field = 'role'): UserError => userError('INVALID', `a ${ctx.principal.role ?? 'caller without a role'} cannot grant ${role}`, field);

// ---- queries ----

const viewer = {
  role: (_: unknown, __: unknown, ctx: GqlContext) => ctx.principal.role,
  actor: (_: unknown, __: unknown, ctx: GqlContext) => actorOf(ctx),
  // From the verified token: users are readable only as members of the current organization (RLS), and a
  // person who selected none must still see who they are.
  user: (_: unknown, __: unknown, ctx: GqlContext) => (ctx.principal.userId ? { id: ctx.principal.userId, ...ctx.principal.person } : null),
  organization: (_: unknown, __: unknown, ctx: GqlContext) => (ctx.principal.role ? ctx.read((c) => findOrganization(c, ctx.principal.orgId)) : null),
};

type Membership = { organization: OrganizationView; role: Role };

const organizations = async (_: unknown, __: unknown, ctx: GqlContext): Promise<Membership[]> => {
  const { userId, role, orgId } = ctx.principal;
  if (!userId) {
    const org = await ctx.read((c) => findOrganization(c, orgId));
    return org && role ? [{ organization: org, role }] : [];
  }
  const rows = (await ctx.pool.query<{ org_id: string; slug: string; name: string; role: Role }>('SELECT * FROM user_memberships($1)', [userId])).rows;
  // created_at is not part of the membership look-up; one read per organization is fine for a person's handful.
  return Promise.all(rows.map(async (r) => ({ organization: (await withOrg(ctx.pool, r.org_id, (c) => findOrganization(c, r.org_id))) ?? { id: r.org_id, slug: r.slug, name: r.name, createdAt: new Date(0) }, role: r.role })));
};

const members = async (_: unknown, args: { first?: number | null; after?: string | null }, ctx: GqlContext): Promise<Connection<MemberView>> =>
  connectionOf(await ctx.read((c) => listMembers(c, ctx.principal.orgId)), (m) => m.user.id, args);

const apiKeys = async (_: unknown, args: { first?: number | null; after?: string | null; includeRevoked?: boolean | null }, ctx: GqlContext): Promise<Connection<ApiKeyView>> => {
  const keys = await ctx.read((c) => listApiKeys(c, { orgId: ctx.principal.orgId, includeRevoked: args.includeRevoked ?? false, now: new Date() }));
  // Newest first; the cursor is the position key, made sortable as "inverted time|id".
  const order = (k: ApiKeyView) => `${String(9e15 - k.createdAt.getTime()).padStart(16, '0')}|${k.id}`;
  return connectionOf(keys, order, args);
};

const serviceAccounts = (_: unknown, __: unknown, ctx: GqlContext): Promise<ServiceAccountView[]> => ctx.read((c) => listServiceAccounts(c, ctx.principal.orgId));

// ---- mutations ----

const createOrganization = async (_: unknown, args: { slug: string; name: string }, ctx: GqlContext) => {
  const errors: UserError[] = [];
  if (!SLUG.test(args.slug)) errors.push(userError('INVALID', 'slug must be 2–63 of a-z, 0-9 and "-", starting with a letter or digit', 'slug'));
  if (args.name.trim() === '' || args.name.length > NAME_MAX) errors.push(userError('INVALID', `name must be 1–${NAME_MAX} characters`, 'name'));
  if (errors.length > 0) return { organization: null, errors };
  try {
    const id = (await ctx.pool.query<{ id: string }>('SELECT create_organization($1, $2, $3) AS id', [args.slug, args.name, ctx.principal.userId])).rows[0]?.id;
    const organization = id ? await withOrg(ctx.pool, id, (c) => findOrganization(c, id)) : null;
    return { organization, errors: [] };
  } catch (error) {
    if ((error as { code?: string }).code === '23505') return { organization: null, errors: [userError('INVALID', `the slug ${args.slug} is taken`, 'slug')] };
    throw error;
  }
};

const updateOrganization = async (_: unknown, args: { name: string }, ctx: GqlContext) => {
  if (args.name.trim() === '' || args.name.length > NAME_MAX) return { organization: null, errors: [userError('INVALID', `name must be 1–${NAME_MAX} characters`, 'name')] };
  return { organization: await ctx.write((c) => renameOrganization(c, ctx.principal.orgId, args.name)), errors: [] };
};

const addMember = async (_: unknown, args: { email: string; role: Role }, ctx: GqlContext) => {
  if (!mayGrant(ctx.principal.role, args.role)) return { member: null, errors: [cannotGrant(ctx, args.role)] };
  const userId = (await ctx.pool.query<{ id: string | null }>('SELECT user_id_by_email($1) AS id', [args.email])).rows[0]?.id;
  if (!userId) return { member: null, errors: [userError('NOT_FOUND', `no one with e-mail ${args.email} has signed in yet; they must sign in once first`, 'email')] };
  const orgId = ctx.principal.orgId;
  const existing = await ctx.read((c) => findMember(c, orgId, userId));
  if (existing) return { member: existing, errors: [userError('INVALID', `${args.email} is already a member (${existing.role}); use updateMemberRole`, 'email')] };
  const member = await ctx.write(async (c) => (await upsertMember(c, { orgId, userId, role: args.role }), findMember(c, orgId, userId)));
  return { member, errors: [] };
};

/** Refuses what would leave the organization without an owner, or let someone act above their own role. */
const membershipChangeProblem = async (ctx: GqlContext, target: MemberView, newRole: Role | null): Promise<UserError | null> => {
  if (!mayGrant(ctx.principal.role, target.role)) return userError('INVALID', `a ${ctx.principal.role ?? 'caller'} cannot change a ${target.role}`, 'userId');
  if (newRole !== null && !mayGrant(ctx.principal.role, newRole)) return cannotGrant(ctx, newRole);
  if (target.role === 'OWNER' && newRole !== 'OWNER' && (await ctx.read((c) => countOwners(c, ctx.principal.orgId))) <= 1) {
    return userError('INVALID', 'the organization must keep at least one OWNER', 'userId');
  }
  return null;
};

const updateMemberRole = async (_: unknown, args: { userId: string; role: Role }, ctx: GqlContext) => {
  if (!Uuid.safeParse(args.userId).success) return { member: null, errors: [invalidId('userId')] };
  const orgId = ctx.principal.orgId;
  const target = await ctx.read((c) => findMember(c, orgId, args.userId));
  if (!target) return { member: null, errors: [userError('NOT_FOUND', 'no such member', 'userId')] };
  const problem = await membershipChangeProblem(ctx, target, args.role);
  if (problem) return { member: null, errors: [problem] };
  const member = await ctx.write(async (c) => (await upsertMember(c, { orgId, userId: args.userId, role: args.role }), findMember(c, orgId, args.userId)));
  return { member, errors: [] };
};

const removeMember = async (_: unknown, args: { userId: string }, ctx: GqlContext) => {
  if (!Uuid.safeParse(args.userId).success) return { removedUserId: null, errors: [invalidId('userId')] };
  const orgId = ctx.principal.orgId;
  const target = await ctx.read((c) => findMember(c, orgId, args.userId));
  if (!target) return { removedUserId: null, errors: [userError('NOT_FOUND', 'no such member', 'userId')] };
  const problem = await membershipChangeProblem(ctx, target, null);
  if (problem) return { removedUserId: null, errors: [problem] };
  await ctx.write((c) => deleteMember(c, orgId, args.userId));
  return { removedUserId: args.userId, errors: [] };
};

type CreateKeyInput = { name: string; role?: Role | null; scopes?: string[] | null; expiresAt?: Date | null; serviceAccountId?: string | null; environment?: string | null };
const SCOPE = /^(\*|\/agents\/[A-Za-z0-9][A-Za-z0-9_/-]*:execute)$/;

const createApiKey = async (_: unknown, { input }: { input: CreateKeyInput }, ctx: GqlContext) => {
  const errors: UserError[] = [];
  const orgId = ctx.principal.orgId;
  if (input.name.trim() === '' || input.name.length > NAME_MAX) errors.push(userError('INVALID', `name must be 1–${NAME_MAX} characters`, 'input.name'));
  const scopes = input.scopes ?? ['*'];
  if (scopes.length === 0 || scopes.some((s) => !SCOPE.test(s))) errors.push(userError('INVALID', 'scopes are * or /agents/<Name>:execute', 'input.scopes'));
  if (input.expiresAt && input.expiresAt <= new Date()) errors.push(userError('INVALID', 'expiresAt must be in the future', 'input.expiresAt'));
  const env = input.environment ?? 'live';
  if (env !== 'live' && env !== 'test') errors.push(userError('INVALID', 'environment is live or test', 'input.environment'));
  let account: ServiceAccountView | null = null;
  if (input.serviceAccountId != null) {
    account = Uuid.safeParse(input.serviceAccountId).success ? await ctx.read((c) => findServiceAccount(c, orgId, input.serviceAccountId as string)) : null;
    if (!account) errors.push(userError('NOT_FOUND', 'no such service account', 'input.serviceAccountId'));
  }
  const role = account?.role ?? input.role ?? 'DEVELOPER';
  if (!mayGrant(ctx.principal.role, role)) errors.push(cannotGrant(ctx, role, 'input.role'));
  if (errors.length > 0) return { apiKey: null, secret: null, errors };
  const createdBy = `${ctx.principal.actor.kind}:${ctx.principal.actor.id}`;
  const issued = await ctx.write((c) =>
    issueApiKey(c, { orgId, name: input.name, scopes, env: env as 'live' | 'test', expiresAt: input.expiresAt ?? null, role, serviceAccountId: account?.id ?? null, createdBy }),
  );
  const apiKey = await ctx.read((c) => findApiKey(c, { orgId, id: issued.id }));
  return { apiKey, secret: issued.key, errors: [] };
};

const revokeApiKey = async (_: unknown, args: { id: string }, ctx: GqlContext) => {
  if (!Uuid.safeParse(args.id).success) return { apiKey: null, errors: [invalidId('id')] };
  const orgId = ctx.principal.orgId;
  const key = await ctx.read((c) => findApiKey(c, { orgId, id: args.id }));
  if (!key) return { apiKey: null, errors: [userError('NOT_FOUND', 'no such API key', 'id')] };
  if (!mayGrant(ctx.principal.role, key.role)) return { apiKey: null, errors: [userError('INVALID', `a ${ctx.principal.role ?? 'caller'} cannot revoke a ${key.role} key`, 'id')] };
  await ctx.write((c) => revokeKey(c, orgId, args.id));
  return { apiKey: await ctx.read((c) => findApiKey(c, { orgId, id: args.id })), errors: [] };
};

const createServiceAccount = async (_: unknown, args: { name: string; role: Role }, ctx: GqlContext) => {
  if (args.name.trim() === '' || args.name.length > 100) return { serviceAccount: null, errors: [userError('INVALID', 'name must be 1–100 characters', 'name')] };
  if (args.role === 'OWNER') return { serviceAccount: null, errors: [userError('INVALID', 'a service account cannot be OWNER', 'role')] };
  if (!mayGrant(ctx.principal.role, args.role)) return { serviceAccount: null, errors: [cannotGrant(ctx, args.role)] };
  const orgId = ctx.principal.orgId;
  const account = await ctx.write((c) => insertServiceAccount(c, { id: newId(), orgId, name: args.name, role: args.role }));
  return account ? { serviceAccount: account, errors: [] } : { serviceAccount: null, errors: [userError('INVALID', `a service account named ${args.name} exists`, 'name')] };
};

const deleteServiceAccount = async (_: unknown, args: { id: string }, ctx: GqlContext) => {
  if (!Uuid.safeParse(args.id).success) return { deletedId: null, errors: [invalidId('id')] };
  const deleted = await ctx.write((c) => deleteServiceAccountRow(c, ctx.principal.orgId, args.id));
  return deleted ? { deletedId: args.id, errors: [] } : { deletedId: null, errors: [userError('NOT_FOUND', 'no such service account', 'id')] };
};

export const identityResolvers = {
  Query: { organizations, members, apiKeys, serviceAccounts },
  Mutation: { createOrganization, updateOrganization, addMember, updateMemberRole, removeMember, createApiKey, revokeApiKey, createServiceAccount, deleteServiceAccount },
  Viewer: viewer,
  ApiKey: {
    serviceAccount: (key: ApiKeyView, _: unknown, ctx: GqlContext) => (key.serviceAccountId ? ctx.read((c) => findServiceAccount(c, ctx.principal.orgId, key.serviceAccountId as string)) : null),
  },
};
