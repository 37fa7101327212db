// A step of a run and what it did (tool calls, model calls, questions); docs/graphql.md "Runs, steps and usage".
export const stepTypeDefs = /* GraphQL */ `
  "One agent call of a run: a node of the run's DAG."
  type Step {
    id: ID!
    runId: ID!
    "The calling step (the DAG edge); null for a root."
    parentStepId: ID
    depth: Int!
    agent: String!
    "AGENT: a step an executor runs. EXTERNAL: an agent of another A2A server (agents.json) called from a step."
    kind: StepKind!
    "Where an EXTERNAL step's call went (its A2A endpoint); null for an AGENT step."
    externalUrl: String
    "Who asked for the step: for a call, the calling step (AGENT)."
    initiator: Initiator
    model: String
    status: RunStatus!
    "The A2A message the step was called with."
    input: JSON!
    output: JSON
    "The text parts of output.parts, concatenated; null when there are none."
    outputText: String
    error: JSON
    iterations: Int!
    llmCallCount: Int!
    toolCallCount: Int!
    inputTokens: Int!
    outputTokens: Int!
    "How many times an executor took the step up: its claim, and each resume after a crash or a retry (0 until claimed)."
    attempts: Int!
    "Failed attempts handed back to be retried with back-off (StepRetryScheduled events)."
    retries: Int!
    "Whether the step failed because its last allowed attempt did (StepDeadLettered); error says why."
    deadLettered: Boolean!
    "Priced model calls of the step; zero when none was priced."
    usage: UsageTotals!
    cost: Money!
    createdAt: DateTime!
    startedAt: DateTime
    completedAt: DateTime
    "completedAt - startedAt; null until both are known."
    durationMs: Float
    "The conversation with the step: its input, each answer a person gave it, and its output, in time order."
    messages: [StepMessage!]!
    "Tools the step called, in call order."
    toolCalls: [ToolCall!]!
    "Model calls, in order."
    llmCalls: [LlmCall!]!
    "Questions the step asked a person (request_user_input), in order."
    inputRequests: [StepInputRequest!]!
  }

  "What runs a step: one of our agents, or an external A2A agent whose start and end the calling step records."
  enum StepKind {
    AGENT
    EXTERNAL
  }

  enum MessageRole {
    USER
    AGENT
  }

  type StepMessage {
    role: MessageRole!
    "The A2A message (or, for the output, its parts)."
    message: JSON!
    "The text parts, concatenated; null when there are none."
    text: String
    "When it was sent; null for an output of a step that has not completed."
    at: DateTime
  }

  type ToolCall {
    "The model's id for the call."
    toolCallId: String!
    name: String!
    arguments: JSON!
    "The model iteration that asked for it (0-based)."
    iteration: Int!
    calledAt: DateTime!
    "Whether the tool has answered."
    completed: Boolean!
    completedAt: DateTime
    latencyMs: Float
    "Null until completed."
    isError: Boolean
    "What the tool returned, when it did not fail."
    result: JSON
    "What the tool's failure said, when isError."
    error: JSON
  }

  type LlmCall {
    iteration: Int!
    provider: String!
    model: String!
    "The text the model answered; null when it only called tools."
    content: String
    finishReason: String!
    "How many tool calls the model asked for."
    toolCallCount: Int!
    inputTokens: Int!
    outputTokens: Int!
    latencyMs: Float!
    "Null when the call was not priced."
    cost: Money
    "Version of the price table used; unpriced when the model had no price."
    priceTable: String
    respondedAt: DateTime!
  }

  "A question a step asked a person, and the answer once given."
  type StepInputRequest {
    toolCallId: String!
    "The question (request_user_input has no choices: answers are free text)."
    question: String!
    requestedAt: DateTime!
    answered: Boolean!
    "The answer, an A2A message."
    answer: JSON
    answerText: String
    answeredBy: Initiator
    answeredAt: DateTime
  }
`;
