// Per-organization retention of recorded runs (issue 7); `shaman retention apply` enforces it (docs/replay.md).
export const retentionTypeDefs = /* GraphQL */ `
  extend type Query {
    "How long the organization's runs are kept."
    retentionPolicy: RetentionPolicy!
  }

  extend type Mutation {
    """
    Sets the organization's retention policy as a whole (ADMIN or OWNER): an omitted or null limit keeps runs
    forever on that count. Runs past it are exported, then deleted from the event stream and the read models,
    by shaman retention apply; the audit log, the usage ledger and a record of each deletion are kept.
    """
    setRetentionPolicy(maxAgeDays: Int, maxBytes: SafeInt): SetRetentionPolicyPayload!
  }

  type RetentionPolicy {
    "Runs whose last activity is older than this many days (1..36500) are deleted; null: no age limit."
    maxAgeDays: Int
    "Beyond this many bytes of recorded events, the oldest finished runs are deleted; null: no size limit."
    maxBytes: SafeInt
    "Runs retention has deleted so far."
    purgedRuns: Int!
  }

  type SetRetentionPolicyPayload {
    policy: RetentionPolicy
    errors: [UserError!]!
  }
`;
