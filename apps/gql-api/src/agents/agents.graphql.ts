export const agentsTypeDefs = /* GraphQL */ `
  extend type Query {
    """
    The agents of the organization's repositories, as their repository events recorded them: each at the
    commit it went live. Removed agents only with includeRemoved.
    """
    agents(repository: String, includeRemoved: Boolean = false): [AgentDefinition!]!
  }

  type AgentDefinition {
    name: String!
    repository: String!
    "The commit of the definition that is (or was last) live."
    commit: String!
    file: String!
    exposed: Boolean!
    description: String!
    tags: [String!]!
    model: String
    "False once a sync found its file gone."
    live: Boolean!
    updatedAt: DateTime!
    "Every priced model call of this agent in the organization, all time (by agent name)."
    usage: UsageTotals!
  }
`;
