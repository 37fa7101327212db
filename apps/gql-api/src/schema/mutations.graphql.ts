export const mutationsTypeDefs = /* GraphQL */ `
  """
  Every mutation answers with a payload whose errors list what the caller got wrong (invalid input, an unknown
  name, a conflict): expected failures are data, typed by code and field. Authentication, authorisation and
  outages are GraphQL errors with extensions.code.
  """
  type Mutation {
    "Adds an agent repository (or updates the one with that name) and schedules its periodic sync."
    addRepository(input: AddRepositoryInput!): AddRepositoryPayload!
    "Changes a repository's url, branch, token or sync interval."
    updateRepository(input: UpdateRepositoryInput!): RepositoryPayload!
    "Removes a repository and its periodic sync. Runs pinned to its commits keep working."
    removeRepository(name: String!): RemoveRepositoryPayload!
    "Queues a sync now (coalesced with one already queued); the outcome appears on the repository."
    syncRepository(name: String!): SyncRepositoryPayload!
    "Stores (or replaces) an organization secret, encrypted; its value is never returned by any query."
    setSecret(name: String!, value: String!): SetSecretPayload!
    deleteSecret(name: String!): DeleteSecretPayload!
  }

  enum UserErrorCode {
    "The input is malformed: the field says which."
    INVALID
    "No such repository, secret or agent in the organization."
    NOT_FOUND
    "The platform is missing what the operation needs (e.g. SHAMAN_SECRET_KEY to store a token)."
    UNAVAILABLE
  }

  type UserError {
    code: UserErrorCode!
    "The input field at fault, dot-separated, when there is one."
    field: String
    message: String!
  }
`;
