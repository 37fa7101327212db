export const baseTypeDefs = /* GraphQL */ `
  "An ISO-8601 instant in UTC, e.g. 2025-01-31T12:00:00.000Z."
  scalar DateTime
  "Any JSON value, as stored (A2A messages, errors)."
  scalar JSON

  type Query {
    "Who the caller is: the organization and API key the request authenticated as."
    viewer: Viewer!
  }

  type Viewer {
    organizationId: ID!
    apiKeyId: ID
  }

  "Relay cursor pagination (https://relay.dev/graphql/connections.htm)."
  type PageInfo {
    hasNextPage: Boolean!
    hasPreviousPage: Boolean!
    startCursor: String
    endCursor: String
  }
`;
