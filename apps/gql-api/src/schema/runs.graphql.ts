// Runs as a DAG of steps, with filters, ordering and keyset pagination; docs/graphql.md "Runs, steps and usage".
// The Step type and its detail live in runs/step.graphql.ts.
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

  "Who asked for a run or step: an API key, a person, another agent's step, or the platform."
  enum InitiatorKind {
    API_KEY
    USER
    AGENT
    SYSTEM
  }

  type Initiator {
    kind: InitiatorKind!
    "The API key id, user id, calling step id, or platform component."
    id: String!
  }

  input InitiatorFilter {
    kind: InitiatorKind!
    "Omit to match every initiator of the kind."
    id: String
  }

  "Every given condition must hold."
  input RunFilter {
    "Any of these statuses; omitted or empty: any status."
    status: [RunStatus!]
    "The run's root agent, exactly."
    agent: String
    "Created at or after this instant."
    createdAfter: DateTime
    "Created strictly before this instant."
    createdBefore: DateTime
    "Who asked for the run's root step."
    initiator: InitiatorFilter
  }

  enum RunOrderField {
    CREATED_AT
    UPDATED_AT
  }

  enum RunOrderDirection {
    ASC
    DESC
  }

  "Ties are broken by id, in the same direction."
  input RunOrder {
    field: RunOrderField! = CREATED_AT
    direction: RunOrderDirection! = DESC
  }

  extend type Query {
    "A run of the caller's organization, or null if there is none with this id."
    run(id: ID!): Run
    """
    The organization's runs matching filter, in orderBy order (default: newest first). first: 1..100; after:
    a cursor of the same ordering (another ordering's cursor is BAD_USER_INPUT).
    """
    runs(first: Int = 20, after: String, filter: RunFilter, orderBy: RunOrder): RunConnection!
    "A step of the caller's organization with its detail, or null if there is none with this id."
    step(id: ID!): Step
  }

  "One invocation of a root agent and every step (agent call) it led to: a DAG of steps."
  type Run {
    id: ID!
    status: RunStatus!
    rootAgent: String!
    "Who asked for the root step; null for runs recorded before initiators were."
    initiator: Initiator
    stepCount: Int!
    inputTokens: Int!
    outputTokens: Int!
    "Priced model calls of every step; zero when none was priced."
    usage: UsageTotals!
    cost: Money!
    createdAt: DateTime!
    updatedAt: DateTime!
    completedAt: DateTime
    "completedAt - createdAt; null until the run is terminal."
    durationMs: Float
    "The DAG's nodes: every step of the run, in creation order."
    nodes: [Step!]!
    "The same as nodes."
    steps: [Step!]!
    "The DAG's edges: parent → child calls between the steps."
    edges: [StepEdge!]!
    "The step this run was forked from (shaman fork); null for a run that was not forked."
    forkedFrom: RunFork
  }

  "Where a forked run branched off: its root step continues this step of that run."
  type RunFork {
    runId: ID!
    stepId: ID!
  }

  type StepEdge {
    from: ID!
    to: ID!
  }

  type RunConnection {
    edges: [RunEdge!]!
    pageInfo: PageInfo!
    "Runs matching the filter, on every page."
    totalCount: Int!
  }

  type RunEdge {
    cursor: String!
    node: Run!
  }
`;
