import { makeExecutableSchema } from '@graphql-tools/schema';
import type { GraphQLSchema } from 'graphql';
import { agentsTypeDefs } from '../agents/agents.graphql.js';
import { agentsResolvers } from '../agents/agents.resolver.js';
import { auditTypeDefs } from '../audit/audit.graphql.js';
import { auditResolvers } from '../audit/audit.resolver.js';
import { guardMutations, guardQueries } from '../auth/guard.js';
import { DateTimeScalar, JsonScalar } from '../graphql/scalars.js';
import { identityTypeDefs } from '../identity/identity.graphql.js';
import { identityResolvers } from '../identity/identity.resolver.js';
import { runControlTypeDefs } from '../run-control/run-control.graphql.js';
import { runControlResolvers } from '../run-control/run-control.resolver.js';
import { repositoriesTypeDefs } from '../repositories/repositories.graphql.js';
import { repositoriesResolvers } from '../repositories/repositories.resolver.js';
import { runsResolvers } from '../runs/runs.resolver.js';
import { runDataTypeDefs } from '../runs/run-data.graphql.js';
import { runDataResolvers } from '../runs/run-data.resolver.js';
import { stepTypeDefs } from '../runs/step.graphql.js';
import { stepResolvers } from '../runs/step.resolver.js';
import { usageTypeDefs } from '../usage/usage.graphql.js';
import { usageResolvers } from '../usage/usage.resolver.js';
import { retentionTypeDefs } from '../retention/retention.graphql.js';
import { retentionResolvers } from '../retention/retention.resolver.js';
import { registriesTypeDefs } from '../registries/registries.graphql.js';
import { registriesResolvers } from '../registries/registries.resolver.js';
import { secretsTypeDefs } from '../secrets/secrets.graphql.js';
import { secretsResolvers } from '../secrets/secrets.resolver.js';
import { subscriptionsTypeDefs } from '../subscriptions/subscriptions.graphql.js';
import { subscriptionsResolvers } from '../subscriptions/subscriptions.resolver.js';
import { viewerResolvers } from '../viewer/viewer.resolver.js';
import { baseTypeDefs } from './base.graphql.js';
import { mutationsTypeDefs } from './mutations.graphql.js';
import { runsTypeDefs } from './runs.graphql.js';

export const typeDefs = [baseTypeDefs, mutationsTypeDefs, runsTypeDefs, repositoriesTypeDefs, secretsTypeDefs, agentsTypeDefs, identityTypeDefs, auditTypeDefs, runControlTypeDefs, subscriptionsTypeDefs, stepTypeDefs, runDataTypeDefs, usageTypeDefs, retentionTypeDefs, registriesTypeDefs];

export const resolvers = {
  DateTime: DateTimeScalar,
  JSON: JsonScalar,
  // Every root field passes the role guard (auth/guard.ts); every mutation is audited.
  Query: guardQueries({ ...viewerResolvers.Query, ...runsResolvers.Query, ...runDataResolvers.Query, ...usageResolvers.Query, ...repositoriesResolvers.Query, ...secretsResolvers.Query, ...agentsResolvers.Query, ...identityResolvers.Query, ...auditResolvers.Query, ...retentionResolvers.Query, ...registriesResolvers.Query }),
  Mutation: guardMutations({ ...repositoriesResolvers.Mutation, ...secretsResolvers.Mutation, ...identityResolvers.Mutation, ...runControlResolvers.Mutation, ...retentionResolvers.Mutation, ...registriesResolvers.Mutation }),
  Viewer: identityResolvers.Viewer,
  Registry: registriesResolvers.Registry,
  ApiKey: identityResolvers.ApiKey,
  Subscription: subscriptionsResolvers.Subscription,
  RunConnection: runsResolvers.RunConnection,
  Run: runsResolvers.Run,
  RunStatus: runsResolvers.RunStatus,
  InitiatorKind: runsResolvers.InitiatorKind,
  ...stepResolvers,
  SafeInt: usageResolvers.SafeInt,
  UsageTotals: usageResolvers.UsageTotals,
  UsageBucket: usageResolvers.UsageBucket,
  UsagePeriod: usageResolvers.UsagePeriod,
  UsageGroupBy: usageResolvers.UsageGroupBy,
};

/** The executable schema; the server builds it once and serves it over HTTP (Apollo) and WebSocket (graphql-ws). */
export const createSchema = (): GraphQLSchema => makeExecutableSchema({ typeDefs, resolvers });
