export const runsTypeDefs = /* GraphQL */ `
  "A2A task states."
  enum RunStatus {
    SUBMITTED
    WORKING
    INPUT_REQUIRED
    COMPLETED
    FAILED
    CANCELED
  }

  extend type Query {
    "A run of the caller's organization, or null if there is none with this id."
    run(id: ID!): Run
    "The organization's runs, newest first. first: 1..100."
    runs(first: Int = 20, after: String): RunConnection!
  }

  "One invocation of a root agent and every step (agent call) it led to."
  type Run {
    id: ID!
    status: RunStatus!
    rootAgent: String!
    stepCount: Int!
    inputTokens: Int!
    outputTokens: Int!
    createdAt: DateTime!
    updatedAt: DateTime!
    completedAt: DateTime
    "Every step of the run, in creation order."
    steps: [Step!]!
    "Parent → child calls between the steps."
    edges: [StepEdge!]!
  }

  type Step {
    id: ID!
    runId: ID!
    parentStepId: ID
    depth: Int!
    agent: String!
    model: String
    status: RunStatus!
    "The A2A message the step was called with."
    input: JSON!
    output: JSON
    "The text parts of output.parts, concatenated; null when there are none."
    outputText: String
    error: JSON
    iterations: Int!
    llmCalls: Int!
    toolCalls: Int!
    inputTokens: Int!
    outputTokens: Int!
    createdAt: DateTime!
    startedAt: DateTime
    completedAt: DateTime
  }

  type StepEdge {
    from: ID!
    to: ID!
  }

  type RunConnection {
    edges: [RunEdge!]!
    pageInfo: PageInfo!
    totalCount: Int!
  }

  type RunEdge {
    cursor: String!
    node: Run!
  }
`;
