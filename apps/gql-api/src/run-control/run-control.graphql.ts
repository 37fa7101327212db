export const runControlTypeDefs = /* GraphQL */ `
  extend type Mutation {
    """
    Opens a run before any agent runs in it and returns its id. Agents then join it as parallel roots: A2A
    message/send with contextId (or metadata["shaman:runId"]) set to it. The run ends when all its roots have.
    No agent runs here: execution always goes through A2A.
    """
    createRun(input: CreateRunInput): CreateRunPayload!
    "Asks every unfinished step of a run to stop; each ends CANCELED (children with their parents)."
    cancelRun(runId: ID!, reason: String): CancelPayload!
    "Asks one step (and its children) to stop."
    cancelStep(stepId: ID!, reason: String): CancelPayload!
    "Answers a step waiting for input (INPUT_REQUIRED): the text becomes the result of its request_user_input call."
    provideInput(stepId: ID!, text: String!): InputPayload!
    "Declines to answer: the step continues with a result saying the person skipped the question."
    skipInput(stepId: ID!, reason: String): InputPayload!
  }

  input CreateRunInput {
    "Shown in run lists; at most 200 characters."
    label: String
    "The same key returns the same run: a retried createRun opens nothing twice."
    idempotencyKey: String
  }

  type CreateRunPayload {
    runId: ID
    errors: [UserError!]!
  }

  type CancelPayload {
    "The steps a cancel request was recorded for (already finished ones are left alone)."
    canceledStepIds: [ID!]!
    errors: [UserError!]!
  }

  type InputPayload {
    stepId: ID
    errors: [UserError!]!
  }
`;
