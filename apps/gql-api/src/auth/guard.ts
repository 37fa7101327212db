import { withOrg } from '@shaman/platform';
import { GraphQLError } from 'graphql';
import { appendAudit, redactArguments, type AuditOutcome } from '../audit/audit-log.js';
import { gqlError } from '../errors.js';
import type { GqlContext } from '../graphql/context.js';
import { MUTATION_ROLES, OPEN_QUERIES, requireRole } from './roles.js';

/* eslint-disable max-params -- GraphQL fixes a resolver's signature at (parent, args, context, info); the guard passes all four through. */
type Resolver = (parent: unknown, args: Record<string, unknown>, ctx: GqlContext, info: unknown) => unknown;
/** Any resolver, whatever its argument types: the guard only passes them through. */
type AnyResolver = (parent: never, args: never, ctx: never, info: never) => unknown;

const outcomeOf = (result: unknown): AuditOutcome => {
  const errors = (result as { errors?: unknown } | null)?.errors;
  return Array.isArray(errors) && errors.length > 0 ? 'rejected' : 'ok';
};

const checkMutationRole = (name: string, ctx: GqlContext): void => {
  const needed = MUTATION_ROLES[name];
  if (needed === undefined) throw gqlError('FORBIDDEN', `mutation ${name} has no role policy and is refused`);
  if (needed === 'SIGNED_IN_PERSON') {
    if (ctx.principal.actor.kind !== 'user') throw gqlError('FORBIDDEN', `${name} is for people signed in with OIDC; an API key belongs to an organization already`);
    return;
  }
  requireRole(ctx.principal, needed);
};

/**
 * Every query needs a role in the caller's organization (VIEWER or above), except the few open ones.
 * Object-type field resolvers run under their root field's check.
 */
export const guardQueries = (queries: Record<string, AnyResolver>): Record<string, Resolver> =>
  Object.fromEntries(
    Object.entries(queries).map(([name, any]): [string, Resolver] => {
      const resolve = any as Resolver;
      return [name, OPEN_QUERIES.has(name) ? resolve : (parent, args, ctx, info) => (requireRole(ctx.principal, 'VIEWER'), resolve(parent, args, ctx, info))];
    }),
  );

/**
 * Every mutation checks its role (MUTATION_ROLES; deny by default) and leaves an audit entry whatever
 * happened: done, rejected with typed errors, forbidden, or failed. The entry is written in its own
 * transaction after the mutation, so a failed mutation is still audited; its arguments are redacted.
 */
export const guardMutations = (mutations: Record<string, AnyResolver>): Record<string, Resolver> =>
  Object.fromEntries(
    Object.entries(mutations).map(([name, any]): [string, Resolver] => [
      name,
      async (parent, args, ctx, info) => {
        const resolve = any as Resolver;
        let outcome: AuditOutcome = 'failed';
        let result: unknown;
        try {
          checkMutationRole(name, ctx);
          result = await resolve(parent, args, ctx, info);
          outcome = outcomeOf(result);
          return result;
        } catch (error) {
          outcome = error instanceof GraphQLError && error.extensions['code'] === 'FORBIDDEN' ? 'forbidden' : 'failed';
          throw error;
        } finally {
          // A new organization is audited in itself: the caller had none when the mutation began.
          const created = (result as { organization?: { id?: unknown } } | undefined)?.organization?.id;
          const orgId = name === 'createOrganization' && typeof created === 'string' ? created : ctx.principal.orgId;
          await withOrg(ctx.pool, orgId, (c) => appendAudit(c, { orgId, actor: ctx.principal.actor, action: name, outcome, details: { arguments: redactArguments(args) } })).catch((error: unknown) => ctx.logger?.error({ err: error, action: name }, 'audit entry not written'));
        }
      },
    ]),
  );
/* eslint-enable max-params */
