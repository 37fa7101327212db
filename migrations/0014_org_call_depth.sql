-- Agents calling agents (issue 5): an organization may lower or raise the platform's call-depth limit
-- (default 8, applied by the gateway's internal role when the column is NULL). Bounded so that a typo cannot
-- turn a runaway cycle into an unbounded one. `organizations` already has RLS and the app role's grants.
ALTER TABLE organizations ADD COLUMN max_call_depth integer CHECK (max_call_depth BETWEEN 1 AND 64);
COMMENT ON COLUMN organizations.max_call_depth IS 'Deepest call (child depth) the internal gateway role accepts; NULL = the platform default (8).';
