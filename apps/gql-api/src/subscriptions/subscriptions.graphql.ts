// Types of the live subscriptions (graphql-ws over WebSocket at /graphql); docs/graphql.md "Subscriptions".
// Every `sequence` is a JetStream stream sequence: give the last one seen as `afterSequence` to resume.
export const subscriptionsTypeDefs = /* GraphQL */ `
  type Subscription {
    """
    A run's DAG, live. Without afterSequence: one SNAPSHOT (every node, as of the run's last commit when the
    subscription started), then one CHANGE per later commit that changes a node, in stream order, with no gap
    and no duplicate. With afterSequence: no snapshot, a CHANGE for every commit after it. Stays open until the
    client stops (a run can still change after it is terminal: late cancellations, new roots).
    NOT_FOUND for a run the caller's organization does not have.
    """
    runDag(runId: ID!, afterSequence: Int): RunDagEvent!
    """
    A run's status and counters: the current value first (unless afterSequence is given), then a new one each
    time any field but sequence changes. Same ordering, resume and NOT_FOUND rules as runDag.
    """
    runUpdates(runId: ID!, afterSequence: Int): RunProgress!
    """
    Every new run and every run status change in the caller's organization, from the moment of subscribing
    (or after afterSequence).
    """
    runsUpdated(afterSequence: Int): RunProgress!
    "Every question a step of the caller's organization asks (StepInputRequired), from the moment of subscribing (or after afterSequence)."
    inputRequested(afterSequence: Int): InputRequest!
  }

  enum RunDagEventKind {
    "nodes holds every step of the run and edges every parent → child call."
    SNAPSHOT
    "nodes holds only the steps this commit changed or added, edges only the calls to those steps."
    CHANGE
  }

  type RunDagEvent {
    "Stream sequence of the commit this event reflects."
    sequence: Int!
    kind: RunDagEventKind!
    "The run as of this commit."
    run: RunProgress!
    nodes: [DagNode!]!
    edges: [StepEdge!]!
  }

  "A run's status and counters as of a commit; the rules of the runs read model."
  type RunProgress {
    runId: ID!
    "Stream sequence of the last commit folded into this value."
    sequence: Int!
    status: RunStatus!
    "Whether status is COMPLETED, FAILED or CANCELED."
    terminal: Boolean!
    "Agent of the earliest root step; null until the run has a step."
    rootAgent: String
    stepCount: Int!
    inputTokens: Int!
    outputTokens: Int!
    createdAt: DateTime
    updatedAt: DateTime
    "Latest root completion, once the run is terminal."
    completedAt: DateTime
  }

  "A step of a live DAG, folded from the run's events."
  type DagNode {
    id: ID!
    parentStepId: ID
    depth: Int!
    agent: String!
    "AGENT for a platform step, EXTERNAL for an external A2A agent a call_agent reached."
    kind: StepKind!
    "The external agent's A2A endpoint; null for AGENT."
    externalUrl: String
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
    updatedAt: DateTime!
    "Stream sequence of the last commit that changed this step."
    sequence: Int!
  }

  "A question a step asked (StepInputRequired); answer it with provideInput."
  type InputRequest {
    "Stream sequence of the commit that asked."
    sequence: Int!
    runId: ID!
    stepId: ID!
    "The step's agent; null if its request is not in the stream."
    agent: String
    toolCallId: String!
    prompt: String!
    requestedAt: DateTime!
  }
`;
