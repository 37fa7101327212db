export const identityTypeDefs = /* GraphQL */ `
  enum Role {
    "Everything, including granting OWNER."
    OWNER
    "People, keys, service accounts, secrets and the organization."
    ADMIN
    "Agents (repositories) and runs."
    DEVELOPER
    "Reads only."
    VIEWER
  }

  enum ActorKind {
    API_KEY
    USER
    SERVICE_ACCOUNT
  }

  type Actor {
    kind: ActorKind!
    id: ID!
  }

  extend type Viewer {
    "The caller's role in the organization; null for a person who selected none."
    role: Role
    actor: Actor!
    "The person, when the caller signed in with OIDC."
    user: User
    organization: Organization
  }

  extend type Query {
    "A person's organizations and roles; an API key's own organization."
    organizations: [OrganizationMembership!]!
    members(first: Int = 20, after: String): MemberConnection!
    apiKeys(first: Int = 20, after: String, includeRevoked: Boolean = false): ApiKeyConnection!
    serviceAccounts: [ServiceAccount!]!
  }

  type Organization {
    id: ID!
    slug: String!
    name: String!
    createdAt: DateTime!
  }

  type OrganizationMembership {
    organization: Organization!
    role: Role!
  }

  type User {
    id: ID!
    email: String
    name: String
  }

  type Member {
    user: User!
    role: Role!
    createdAt: DateTime!
  }

  type MemberConnection {
    edges: [MemberEdge!]!
    pageInfo: PageInfo!
    totalCount: Int!
  }

  type MemberEdge {
    cursor: String!
    node: Member!
  }

  enum ApiKeyStatus {
    ACTIVE
    REVOKED
    EXPIRED
  }

  "An API key. Its secret is shown once, by createApiKey; afterwards only its prefix."
  type ApiKey {
    id: ID!
    name: String!
    prefix: String!
    role: Role!
    "Agents it may execute over A2A: * or /agents/<Name>:execute."
    scopes: [String!]!
    status: ApiKeyStatus!
    expiresAt: DateTime
    lastUsedAt: DateTime
    createdAt: DateTime!
    createdBy: String
    serviceAccount: ServiceAccount
  }

  type ApiKeyConnection {
    edges: [ApiKeyEdge!]!
    pageInfo: PageInfo!
    totalCount: Int!
  }

  type ApiKeyEdge {
    cursor: String!
    node: ApiKey!
  }

  "A non-human caller (CI, another service). Its keys act with its role."
  type ServiceAccount {
    id: ID!
    name: String!
    role: Role!
    createdAt: DateTime!
  }

  extend type Mutation {
    "Creates an organization; the person signed in becomes its OWNER. For OIDC sign-ins only."
    createOrganization(slug: String!, name: String!): OrganizationPayload!
    updateOrganization(name: String!): OrganizationPayload!
    "Adds a person (who signed in at least once) by e-mail, with a role no stronger than the caller's."
    addMember(email: String!, role: Role!): MemberPayload!
    updateMemberRole(userId: ID!, role: Role!): MemberPayload!
    removeMember(userId: ID!): RemoveMemberPayload!
    "Issues a key; the secret is in this payload only. Its role may not exceed the caller's."
    createApiKey(input: CreateApiKeyInput!): CreateApiKeyPayload!
    revokeApiKey(id: ID!): ApiKeyPayload!
    createServiceAccount(name: String!, role: Role!): ServiceAccountPayload!
    "Deletes a service account and its keys (they stop authenticating at once)."
    deleteServiceAccount(id: ID!): DeleteServiceAccountPayload!
  }

  input CreateApiKeyInput {
    name: String!
    "Ignored for a service account's key, which takes the account's role."
    role: Role = DEVELOPER
    scopes: [String!] = ["*"]
    expiresAt: DateTime
    serviceAccountId: ID
    "live (sk_live_…) or test (sk_test_…)."
    environment: String = "live"
  }

  type OrganizationPayload {
    organization: Organization
    errors: [UserError!]!
  }

  type MemberPayload {
    member: Member
    errors: [UserError!]!
  }

  type RemoveMemberPayload {
    removedUserId: ID
    errors: [UserError!]!
  }

  type CreateApiKeyPayload {
    apiKey: ApiKey
    "The key itself, shown this once; it is stored only as a hash."
    secret: String
    errors: [UserError!]!
  }

  type ApiKeyPayload {
    apiKey: ApiKey
    errors: [UserError!]!
  }

  type ServiceAccountPayload {
    serviceAccount: ServiceAccount
    errors: [UserError!]!
  }

  type DeleteServiceAccountPayload {
    deletedId: ID
    errors: [UserError!]!
  }
`;
