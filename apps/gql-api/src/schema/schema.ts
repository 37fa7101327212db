import { DateTimeScalar, JsonScalar } from '../graphql/scalars.js';
import { runsResolvers } from '../runs/runs.resolver.js';
import { viewerResolvers } from '../viewer/viewer.resolver.js';
import { baseTypeDefs } from './base.graphql.js';
import { runsTypeDefs } from './runs.graphql.js';

export const typeDefs = [baseTypeDefs, runsTypeDefs];

export const resolvers = {
  DateTime: DateTimeScalar,
  JSON: JsonScalar,
  Query: { ...viewerResolvers.Query, ...runsResolvers.Query },
  RunConnection: runsResolvers.RunConnection,
  Run: runsResolvers.Run,
  RunStatus: runsResolvers.RunStatus,
};
