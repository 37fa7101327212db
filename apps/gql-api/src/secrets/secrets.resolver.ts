import { deleteOrgSecret, listOrgSecrets, putOrgSecret, SECRET_NAME, type SecretSummary } from '@shaman/platform';
import type { GqlContext } from '../graphql/context.js';
import { userError } from '../graphql/user-error.js';

// A secret is credentials, not data: 64 KiB is far above any token and keeps the table small.
const MAX_VALUE_BYTES = 64 * 1024;

const secrets = (_: unknown, __: unknown, ctx: GqlContext): Promise<SecretSummary[]> => ctx.read((c) => listOrgSecrets(c, ctx.principal.orgId));

const setSecret = async (_: unknown, args: { name: string; value: string }, ctx: GqlContext) => {
  const box = ctx.repositories?.secretBox ?? null;
  if (!SECRET_NAME.test(args.name)) return { secret: null, replaced: false, errors: [userError('INVALID', 'name must be letters, digits and _, not starting with a digit (as written in ${NAME})', 'name')] };
  if (args.value === '' || Buffer.byteLength(args.value) > MAX_VALUE_BYTES) return { secret: null, replaced: false, errors: [userError('INVALID', `value must be 1 byte to ${MAX_VALUE_BYTES / 1024} KiB`, 'value')] };
  if (!box) return { secret: null, replaced: false, errors: [userError('UNAVAILABLE', 'secrets need SHAMAN_SECRET_KEY on the server, to store them encrypted')] };
  const orgId = ctx.principal.orgId;
  const { replaced } = await ctx.write((c) => putOrgSecret(c, box, { orgId, name: args.name, value: args.value }));
  const secret = (await ctx.read((c) => listOrgSecrets(c, orgId))).find((s) => s.name === args.name) ?? null;
  return { secret, replaced, errors: [] };
};

const deleteSecret = async (_: unknown, args: { name: string }, ctx: GqlContext) => {
  const deleted = await ctx.write((c) => deleteOrgSecret(c, { orgId: ctx.principal.orgId, name: args.name }));
  return { deleted, errors: deleted ? [] : [userError('NOT_FOUND', `no secret named ${args.name}`, 'name')] };
};

export const secretsResolvers = { Query: { secrets }, Mutation: { setSecret, deleteSecret } };
