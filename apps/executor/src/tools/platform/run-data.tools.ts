import { RunDataKey, RunDataWritten } from '@shaman/events';
import { z } from 'zod';
import { toolOutcome, type Tool, type ToolContext, type ToolSource } from '../../activities/call-tool.activity.js';
import type { RunDataEntry, RunDataReader } from './run-data.reader.js';

// A commit is at most 1 MiB (infra/nats) and a tool's output travels in one: stay well under it, so a write
// or a broad query can never produce an event the store refuses (which would wedge the step).
const MAX_VALUE_BYTES = 128 * 1024;
const MAX_OUTPUT_BYTES = 512 * 1024;

/** `run_data_*` is the name in DESIGN §8; `workflow_data_*` is what agents written for the original system use. */
const FAMILIES = ['run_data', 'workflow_data'] as const;

type Json = RunDataWritten['data']['value'];
const isJson = z.json();
const byteLength = (value: unknown): number => Buffer.byteLength(JSON.stringify(value));

const JsonValue = z
  .custom<Json>((v) => v !== undefined && isJson.safeParse(v).success, { message: 'required, and must be JSON (a string, number, boolean, null, array or object)' })
  .refine((v) => byteLength(v) <= MAX_VALUE_BYTES, { message: `must be at most ${MAX_VALUE_BYTES} bytes as JSON` });
const Glob = z
  .string()
  .min(1)
  .max(256)
  .regex(/^[A-Za-z0-9._/:*?-]+$/, 'key characters plus * (any run of characters) and ? (one character)');

const WriteArgs = z.strictObject({
  key: RunDataKey.describe('Path-like key, e.g. "report/summary"'),
  value: JsonValue.describe('Any JSON value'),
  tags: RunDataWritten.shape.data.shape.tags.describe('Labels to find the entry by (run_data_query tag)'),
});
const ReadArgs = z.strictObject({ key: RunDataKey.describe('The key to read') });
const QueryArgs = z
  .strictObject({
    prefix: z.string().min(1).max(256).optional().describe('Keys starting with this'),
    glob: Glob.optional().describe('Keys matching this pattern as a whole: * any characters (including /), ? one character'),
    tag: z.string().min(1).max(64).optional().describe('Entries carrying this tag'),
  })
  .refine((q) => q.prefix !== undefined || q.glob !== undefined || q.tag !== undefined, { message: 'give at least one of prefix, glob, tag' });
const ListArgs = z.strictObject({});

/** A tool's arguments as the model sent them, validated; the error names each bad field. */
const parseArguments = <T>(tool: string, schema: z.ZodType<T>, raw: unknown): T => {
  const parsed = schema.safeParse(raw);
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues.map((i) => (i.path.length > 0 ? `${i.path.join('.')}: ${i.message}` : i.message));
  throw new Error(`${tool}: invalid arguments: ${issues.join('; ')}`);
};

const jsonSchemaOf = (schema: z.ZodType): Record<string, unknown> => {
  // `$schema` is noise to a model; `value` is any JSON, which `unrepresentable: 'any'` renders as `{}`.
  const { $schema: _, ...rest } = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' });
  return rest;
};

type Operation = { description: string; inputSchema: Record<string, unknown>; run(tool: string, args: unknown, context: ToolContext): Promise<unknown> };

const operation = <T>(spec: { description: string; args: z.ZodType<T>; run(args: T, context: ToolContext): Promise<unknown> }): Operation => ({
  description: spec.description,
  inputSchema: jsonSchemaOf(spec.args),
  run: (tool, args, context) => spec.run(parseArguments(tool, spec.args, args), context),
});

const view = ({ key, value, tags, agent, writtenAt }: RunDataEntry) => ({ key, value, tags, agent, writtenAt });

/** As many items as fit the output budget, in order; `truncated` tells the model there were more. */
const withinBudget = <T>(items: readonly T[]): { items: T[]; truncated: boolean } => {
  let bytes = 0;
  for (const [i, item] of items.entries()) {
    bytes += byteLength(item);
    if (bytes > MAX_OUTPUT_BYTES) return { items: items.slice(0, i), truncated: true };
  }
  return { items: [...items], truncated: false };
};

const globToRegExp = (glob: string): RegExp =>
  new RegExp(`^${[...glob].map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[.+^${}()|[\]\\]/g, '\\$&'))).join('')}$`);

const operations = (reader: RunDataReader) => {
  const entries = (context: ToolContext) => reader.entries(context.orgId, context.runId);
  return {
    write: operation({
      description:
        "Write a JSON value to this run's shared data under a key, for the other agents (steps) of the run. Data is immutable and attributed to you: writing a key again adds a new version, and reads return the latest.",
      args: WriteArgs,
      // The write itself is recorded by the step, in the same commit as this result (see toolOutcome).
      run: async ({ key, value, tags }) => toolOutcome({ key, written: true }, [{ key, value, tags }]),
    }),
    read: operation({
      description: "Read the latest value of a key from this run's shared data, with who wrote it and when.",
      args: ReadArgs,
      run: async ({ key }, context) => {
        const entry = (await entries(context)).find((e) => e.key === key);
        return entry ? { found: true, ...view(entry) } : { found: false, key };
      },
    }),
    query: operation({
      description: "Find entries of this run's shared data by key prefix, key glob and/or tag (all given criteria must match). Returns the latest version of each key, sorted by key.",
      args: QueryArgs,
      run: async (q, context) => {
        const glob = q.glob === undefined ? null : globToRegExp(q.glob);
        const matches = (e: RunDataEntry) =>
          (q.prefix === undefined || e.key.startsWith(q.prefix)) && (glob === null || glob.test(e.key)) && (q.tag === undefined || e.tags.includes(q.tag));
        const { items, truncated } = withinBudget((await entries(context)).filter(matches).map(view));
        return { entries: items, ...(truncated ? { truncated } : {}) };
      },
    }),
    list: operation({
      description: "List the keys of this run's shared data with their tags, writer and time (no values), sorted by key.",
      args: ListArgs,
      run: async (_, context) => {
        const { items, truncated } = withinBudget((await entries(context)).map(({ key, tags, agent, writtenAt }) => ({ key, tags, agent, writtenAt })));
        return { keys: items, ...(truncated ? { truncated } : {}) };
      },
    }),
  };
};

/** Whether an agent's frontmatter `tools` offers it a tool: by its exact name, or its family's `<family>_*`. */
const offered = (agentTools: readonly string[], family: string, name: string): boolean => agentTools.includes(name) || agentTools.includes(`${family}_*`);

/**
 * The run-data platform tools (`run_data_write/read/query/list`, and `workflow_data_*` as aliases with the
 * same implementations), offered to agents whose `tools` name them. Writes are recorded by the step with the
 * tool's result; reads replay the run's log, so they see every write recorded before them, this step's too.
 */
export const runDataToolSource = (deps: { reader: RunDataReader }): ToolSource => {
  const ops = Object.entries(operations(deps.reader));
  const tools = FAMILIES.flatMap((family) =>
    ops.map(([verb, op]): { family: string; tool: Tool } => {
      const name = `${family}_${verb}`;
      return { family, tool: { name, description: op.description, inputSchema: op.inputSchema, invoke: ({ call, context }) => op.run(name, call.arguments, context) } };
    }),
  );
  return {
    toolsFor: async (agent) => new Map(tools.filter(({ family, tool }) => offered(agent.tools, family, tool.name)).map(({ tool }) => [tool.name, tool])),
  };
};
