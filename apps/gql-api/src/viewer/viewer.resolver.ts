import type { GqlContext } from '../graphql/context.js';

type Viewer = { organizationId: string; apiKeyId: string | null };

export const viewerResolvers = {
  Query: {
    viewer: (_: unknown, __: unknown, ctx: GqlContext): Viewer => ({ organizationId: ctx.principal.orgId, apiKeyId: ctx.principal.keyId }),
  },
};
