export const registriesTypeDefs = /* GraphQL */ `
  extend type Query {
    "The organization's external agent registries, by name, with their health as last checked."
    registries: [Registry!]!
    "The organization's model response cache settings (off unless ttlSeconds is set)."
    modelCache: ModelCacheSettings!
  }

  extend type Mutation {
    "Adds an external A2A agent registry (GET {url}/agents lists its agents). Checked on the next health check, or now with testRegistry."
    addRegistry(input: AddRegistryInput!): RegistryPayload!
    "Asks the registry for its listing now and records the outcome: health, agent count or error."
    testRegistry(id: ID!): TestRegistryPayload!
    "Removes a registry: its agents no longer resolve."
    removeRegistry(id: ID!): RemoveRegistryPayload!
    "Turns the model response cache on (ttlSeconds) or off (null) for the organization, and bounds its size."
    setModelCache(input: ModelCacheInput!): ModelCachePayload!
  }

  enum RegistryStatus {
    "Not checked yet."
    UNKNOWN
    "Answered a valid listing at the last check."
    HEALTHY
    "Failed the last check (timeout, HTTP error, invalid listing); resolution skips it."
    UNHEALTHY
  }

  "An agent a registry lists."
  type RegistryAgent {
    name: String!
    "Its A2A endpoint."
    url: String!
    description: String!
    protocolVersion: String!
    "Where its agent card is, when the listing gives an address rather than the card."
    cardUrl: String
  }

  type Registry {
    id: ID!
    name: String!
    url: String!
    "The organization secret sent as a bearer token, by name; never its value."
    authSecret: String
    status: RegistryStatus!
    lastCheckedAt: DateTime
    lastError: String
    agentCount: Int!
    "The agents of the last good listing, in its order; at most first of them when given."
    agents(first: Int): [RegistryAgent!]!
    """
    The latest event recorded about the registry: added, a change of health (health check or testRegistry), or a
    skip by agent resolution (unhealthy, timed out, failed). Null before the first one or without an event log.
    """
    lastEvent: RegistryActivity
    createdAt: DateTime!
  }

  "An event about a registry, flattened: the fields that do not apply to its type are null."
  type RegistryActivity {
    "RegistryAdded, RegistryHealthChanged or RegistrySkipped."
    type: String!
    at: DateTime!
    "RegistryHealthChanged: the status it changed to."
    status: RegistryStatus
    "RegistryHealthChanged: why it is unhealthy. RegistrySkipped: why resolution skipped it."
    reason: String
    "RegistrySkipped: the agent name being resolved."
    agent: String
    "RegistrySkipped: the run and step whose call was being resolved."
    runId: ID
    stepId: ID
  }

  input AddRegistryInput {
    "Letters, digits, _ and -: how not-found messages and resolved agents name it (registry:<name>)."
    name: String!
    "The registry's root, http(s); the listing is {url}/agents."
    url: String!
    "An organization secret (setSecret) to send as Authorization: Bearer."
    authSecret: String
  }

  type RegistryPayload {
    registry: Registry
    errors: [UserError!]!
  }

  type TestRegistryPayload {
    registry: Registry
    status: RegistryStatus
    agentCount: Int
    "Why the registry is unhealthy, when it is."
    error: String
    errors: [UserError!]!
  }

  type RemoveRegistryPayload {
    removed: Boolean!
    errors: [UserError!]!
  }

  type ModelCacheSettings {
    "How long an answer is served from the cache; null = off (agents may still turn it on with frontmatter cache)."
    ttlSeconds: Int
    "Entries kept per organization; the oldest are evicted past it."
    maxEntries: Int!
    "Answers larger than this are not cached."
    maxEntryBytes: Int!
  }

  input ModelCacheInput {
    "1 to 2592000 (30 days); null turns the cache off."
    ttlSeconds: Int
    "1 to 1000000; unchanged when absent."
    maxEntries: Int
    "1024 to 16777216; unchanged when absent."
    maxEntryBytes: Int
  }

  type ModelCachePayload {
    settings: ModelCacheSettings
    errors: [UserError!]!
  }
`;
