export const repositoriesTypeDefs = /* GraphQL */ `
  extend type Query {
    "The organization's agent repositories by name. first: 1..100."
    repositories(first: Int = 20, after: String): RepositoryConnection!
    repository(name: String!): Repository
  }

  "A git repository of agent definitions. Its token, if any, is write-only: only hasToken is ever shown."
  type Repository {
    id: ID!
    name: String!
    url: String!
    branch: String!
    hasToken: Boolean!
    hasWebhook: Boolean!
    "POST here with the webhook secret's HMAC (X-Hub-Signature-256) to sync on push."
    webhookPath: String!
    syncIntervalSeconds: Int!
    "The branch head the last successful sync read; null before the first."
    lastCommit: String
    lastSyncedAt: DateTime
    "Problems of the last sync: invalid definitions (file, line, field) or why the sync failed as a whole."
    syncErrors: [DefinitionProblem!]!
    "The agents the repository makes live, each at the commit it was last valid at."
    agents: [LiveAgent!]!
    aliases: [AgentAlias!]!
    "Agents of other A2A servers declared in agents.json; credentials are shown as the secret names they use."
    externalAgents: [ExternalAgentRef!]!
    createdAt: DateTime!
  }

  type DefinitionProblem {
    file: String!
    "1-based; 0 when the problem concerns no file (a failed fetch)."
    line: Int!
    field: String
    message: String!
  }

  type LiveAgent {
    name: String!
    commit: String!
    file: String!
  }

  type AgentAlias {
    alias: String!
    agent: String!
  }

  type ExternalAgentRef {
    name: String!
    url: String!
    description: String!
    protocolVersion: String!
    authType: String!
    "The organization secrets its credentials reference (\${NAME}); never their values."
    secrets: [String!]!
  }

  type RepositoryConnection {
    edges: [RepositoryEdge!]!
    pageInfo: PageInfo!
    totalCount: Int!
  }

  type RepositoryEdge {
    cursor: String!
    node: Repository!
  }

  input AddRepositoryInput {
    "1–63 letters, digits, - and _; not system, admin, root or internal."
    name: String!
    "https://, http://, ssh or a local path git can clone."
    url: String!
    branch: String = "main"
    "A personal access token for a private repository; stored encrypted, used only in the URL handed to git."
    token: String
    "How often the periodic sync runs (60..86400)."
    syncIntervalSeconds: Int = 300
  }

  input UpdateRepositoryInput {
    name: String!
    url: String
    branch: String
    token: String
    "Removes the stored token (ignored when token is given)."
    clearToken: Boolean
    syncIntervalSeconds: Int
  }

  type AddRepositoryPayload {
    repository: Repository
    "The push webhook's secret, shown this once (adding again rotates it); null without SHAMAN_SECRET_KEY."
    webhookSecret: String
    errors: [UserError!]!
  }

  type RepositoryPayload {
    repository: Repository
    errors: [UserError!]!
  }

  type RemoveRepositoryPayload {
    removedId: ID
    errors: [UserError!]!
  }

  type SyncRepositoryPayload {
    "The queued BullMQ job; a sync already queued for the repository absorbs this one."
    jobId: String
    repository: Repository
    errors: [UserError!]!
  }
`;
