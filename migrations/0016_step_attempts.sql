-- Durable execution (issue 7): how many attempts a step took, how many failed attempts were retried, and
-- whether it was dead-lettered (failed because its last allowed attempt did). Folded from StepStarted /
-- StepResumed (attempt), StepRetryScheduled and StepDeadLettered; rows projected before this migration keep
-- the defaults until a rebuild (`shaman projections rebuild`) folds them again.
-- The table's RLS policy and grants (0003) cover the new columns.
ALTER TABLE steps
  ADD COLUMN attempts integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
  ADD COLUMN retries integer NOT NULL DEFAULT 0 CHECK (retries >= 0),
  ADD COLUMN dead_lettered boolean NOT NULL DEFAULT false;
