export const auditTypeDefs = /* GraphQL */ `
  enum AuditOutcome {
    "Done."
    OK
    "Refused with typed errors (invalid input, unknown names)."
    REJECTED
    "The caller's role was too low."
    FORBIDDEN
    "An error."
    FAILED
  }

  "One mutation, as it was asked for: who, what, with which (redacted) arguments, and how it ended."
  type AuditEntry {
    id: ID!
    at: DateTime!
    actor: Actor!
    action: String!
    outcome: AuditOutcome!
    "The arguments, with every credential-like field replaced by [redacted]."
    details: JSON!
  }

  type AuditEntryConnection {
    edges: [AuditEntryEdge!]!
    pageInfo: PageInfo!
  }

  type AuditEntryEdge {
    cursor: String!
    node: AuditEntry!
  }

  extend type Query {
    "The organization's audit log, newest first (ADMIN or above). since is inclusive, until exclusive."
    auditLog(first: Int = 50, after: String, action: String, actorId: ID, outcome: AuditOutcome, since: DateTime, until: DateTime): AuditEntryConnection!
  }
`;
