export const secretsTypeDefs = /* GraphQL */ `
  extend type Query {
    "The organization's secrets by name. Values are write-only: no query returns one."
    secrets: [Secret!]!
  }

  "A value agent definitions reference as \${NAME} (MCP server env/headers, agents.json credentials)."
  type Secret {
    name: String!
    createdAt: DateTime!
    updatedAt: DateTime!
  }

  type SetSecretPayload {
    secret: Secret
    "True when a secret of that name was replaced."
    replaced: Boolean!
    errors: [UserError!]!
  }

  type DeleteSecretPayload {
    deleted: Boolean!
    errors: [UserError!]!
  }
`;
