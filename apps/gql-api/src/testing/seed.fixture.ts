import { randomUUID } from 'node:crypto';
import pg from 'pg';

// Test-only: writes read-model rows the way the projector would, through the admin (superuser) URL, which
// row-level security does not bind.

type RunSeed = { orgId: string; id?: string; status?: string; rootAgent?: string; createdAt: string; inputTokens?: number };
type StepSeed = {
  orgId: string;
  runId: string;
  id?: string;
  parentStepId?: string;
  depth?: number;
  agent: string;
  status?: string;
  input: unknown;
  output?: unknown;
  createdAt: string;
};

/** An A2A user message, as steps store their input. */
export const userMessage = (messageId: string, text: string) => ({ messageId, role: 'user', parts: [{ kind: 'text', text }] });

export const withAdmin = async <T>(adminUrl: string, fn: (client: pg.Client) => Promise<T>): Promise<T> => {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
};

export const insertRun = async (client: pg.Client, run: RunSeed): Promise<string> => {
  const id = run.id ?? randomUUID();
  await client.query(
    `INSERT INTO runs (org_id, id, status, root_agent, step_count, input_tokens, output_tokens, created_at, updated_at, completed_at, last_seq)
     VALUES ($1, $2, $3, $4, 2, $5, 7, $6, $6, CASE WHEN $3 = 'completed' THEN $6::timestamptz END, 1)`,
    [run.orgId, id, run.status ?? 'completed', run.rootAgent ?? 'Assistant', run.inputTokens ?? 12, run.createdAt],
  );
  return id;
};

export const insertStep = async (client: pg.Client, step: StepSeed): Promise<string> => {
  const id = step.id ?? randomUUID();
  await client.query(
    `INSERT INTO steps (org_id, id, run_id, parent_step_id, depth, agent, model, status, input, output, iterations, llm_calls,
       tool_calls, input_tokens, output_tokens, created_at, started_at, completed_at, updated_at, last_seq)
     VALUES ($1, $2, $3, $4, $5, $6, 'scripted', $7, $8, $9, 1, 1, 0, 6, 3, $10, $10, $10, $10, 1)`,
    [step.orgId, id, step.runId, step.parentStepId ?? null, step.depth ?? 0, step.agent, step.status ?? 'completed', step.input, step.output ?? null, step.createdAt],
  );
  return id;
};
