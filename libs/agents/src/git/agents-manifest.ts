import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { AgentName } from '@shaman/events';
import { z } from 'zod';
import { AgentDefinitionError } from '../agent-definition.error.js';
import { isReservedName } from '../frontmatter.schema.js';

export const AGENTS_MANIFEST = 'agents.json';

const Alias = AgentName.refine((name) => !isReservedName(name), { message: 'is a reserved name' });

// Credentials are written as `${SECRET}` references only: a literal token in a repository would be readable by
// everyone who can read the repository, so the schema refuses one.
const SecretValue = z.string().regex(/^\$\{[A-Za-z_][A-Za-z0-9_]*\}$/, 'must be a ${SECRET} reference to an organization secret, never a literal');

const ExternalAuth = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('none') }),
  z.strictObject({ type: z.literal('bearer'), token: SecretValue }),
  z.strictObject({ type: z.literal('apiKey'), header: z.string().regex(/^[A-Za-z0-9-]+$/).default('x-api-key'), value: SecretValue }),
]);

/** An agent served by another A2A server (another Shaman, or any A2A platform), called over HTTP. */
export const ExternalAgent = z.strictObject({
  url: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL of an A2A endpoint' }),
  description: z.string().default(''),
  protocolVersion: z.enum(['0.3', '1.0']).default('0.3'),
  auth: ExternalAuth.default({ type: 'none' }),
});
export type ExternalAgent = z.infer<typeof ExternalAgent>;

const ExternalName = AgentName.refine((name) => !isReservedName(name), { message: 'is a reserved name' });

/**
 * The optional root `agents.json`: `{ "aliases": { "helper": "Assistant" }, "agents": { "Partner": { "url": …,
 * "auth": { "type": "bearer", "token": "${PARTNER_TOKEN}" } } } }`. Strict, so typos are caught.
 */
export const AgentsManifest = z.strictObject({
  aliases: z.record(Alias, AgentName).default({}),
  agents: z.record(ExternalName, ExternalAgent).default({}),
});
export type AgentsManifest = z.infer<typeof AgentsManifest>;

export type ManifestResult = {
  manifest: AgentsManifest;
  errors: AgentDefinitionError[];
  /** The line where a key path is written (1 when absent), for errors found later, e.g. an alias to a missing agent. */
  lineOf: (...path: string[]) => number;
};

const EMPTY: AgentsManifest = { aliases: {}, agents: {} };

/**
 * 1-based line where a key path is written: each key is searched after the previous one, so
 * `agents.Partner.auth.token` finds Partner's token, not the first "token" in the file (1 when absent).
 */
const lineOf = (text: string, path: readonly string[]): number => {
  let index = -1;
  for (const key of path) {
    const next = text.indexOf(JSON.stringify(key), index + 1);
    if (next >= 0) index = next;
  }
  return index < 0 ? 1 : text.slice(0, index).split('\n').length;
};

const syntaxLine = (text: string, error: unknown): number => {
  const position = /position (\d+)/.exec(error instanceof Error ? error.message : '')?.[1];
  return position === undefined ? 1 : text.slice(0, Number(position)).split('\n').length;
};

/**
 * Reads `agents.json` at the repository root. Absent is fine (no aliases); invalid yields no aliases and
 * errors naming `agents.json`, the line and the field, like an invalid agent file does.
 */
export const readAgentsManifest = async (dir: string): Promise<ManifestResult> => {
  let text: string;
  try {
    text = await readFile(join(dir, AGENTS_MANIFEST), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { manifest: EMPTY, errors: [], lineOf: () => 1 };
    throw error;
  }
  const lineOfKey = (...path: string[]): number => lineOf(text, path);
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    const problem = `invalid JSON: ${error instanceof Error ? error.message : String(error)}`;
    const invalid = new AgentDefinitionError('agent.manifest_invalid', problem, { file: AGENTS_MANIFEST, line: syntaxLine(text, error) });
    return { manifest: EMPTY, errors: [invalid], lineOf: lineOfKey };
  }
  const parsed = AgentsManifest.safeParse(raw);
  if (parsed.success) return { manifest: parsed.data, errors: [], lineOf: lineOfKey };
  const errors = parsed.error.issues.map((issue) => {
    const path = issue.code === 'unrecognized_keys' ? [...issue.path.map(String), issue.keys[0] ?? ''] : issue.path.map(String);
    const field = path.join('.');
    return new AgentDefinitionError('agent.manifest_invalid', issue.code === 'unrecognized_keys' ? 'unknown field' : issue.message, {
      file: AGENTS_MANIFEST,
      line: lineOf(text, path),
      field: field === '' ? undefined : field,
    });
  });
  return { manifest: EMPTY, errors, lineOf: lineOfKey };
};
