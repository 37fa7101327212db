export const usageTypeDefs = /* GraphQL */ `
  "An integer up to 2^53 - 1 (beyond Int's 32 bits), as a JSON number: sums of tokens and micro-dollars."
  scalar SafeInt

  "An amount of US dollars. The ledger keeps integer micro-dollars, so sums are exact."
  type Money {
    "Micro-dollars (1e-6 USD)."
    micros: SafeInt!
    "The same amount as a decimal string with six decimals, e.g. \\"0.001250\\"."
    usd: String!
  }

  "Priced model calls summed: how many, their tokens and their cost."
  type UsageTotals {
    calls: SafeInt!
    inputTokens: SafeInt!
    outputTokens: SafeInt!
    totalTokens: SafeInt!
    cost: Money!
  }

  enum UsagePeriod {
    DAY
    "ISO weeks, starting Monday 00:00 UTC."
    WEEK
    MONTH
  }

  enum UsageGroupBy {
    NONE
    AGENT
    MODEL
  }

  "One period of one group (agent or model); only periods with usage appear."
  type UsageBucket {
    "Start of the period, UTC."
    start: DateTime!
    "The agent or model of the bucket; null when not grouped."
    key: String
    calls: SafeInt!
    inputTokens: SafeInt!
    outputTokens: SafeInt!
    totalTokens: SafeInt!
    cost: Money!
  }

  type UsageReport {
    period: UsagePeriod!
    from: DateTime!
    to: DateTime!
    groupBy: UsageGroupBy!
    "In time order, then by key."
    buckets: [UsageBucket!]!
    "Everything in [from, to)."
    total: UsageTotals!
  }

  extend type Query {
    """
    The organization's model usage and cost in [from, to), per period (UTC) and optionally per agent or model;
    agent restricts it to one agent. The range is at most 366 days for DAY, 732 for WEEK, 1830 for MONTH.
    """
    usage(period: UsagePeriod!, from: DateTime!, to: DateTime!, groupBy: UsageGroupBy = NONE, agent: String): UsageReport!
  }
`;
