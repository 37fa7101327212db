// A run's shared data (run_data_write); docs/graphql.md "Runs, steps and usage".
export const runDataTypeDefs = /* GraphQL */ `
  "One version of a run-data key."
  type RunDataEntry {
    key: String!
    value: JSON!
    tags: [String!]!
    "The agent and step that wrote this version."
    agent: String!
    stepId: ID!
    "Grows with each write to the key (a stream sequence, not a count)."
    version: SafeInt!
    writtenAt: DateTime!
  }

  extend type Query {
    """
    The latest version of each key of a run's data, sorted by key; prefix (keys starting with it) and tag
    narrow it, both must hold. Empty for a run the caller's organization does not have.
    """
    runData(runId: ID!, prefix: String, tag: String): [RunDataEntry!]!
    "Every version of one key, newest first."
    runDataHistory(runId: ID!, key: String!): [RunDataEntry!]!
  }
`;
