import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { AgentName } from '@shaman/events';
import { z } from 'zod';
import { AgentDefinitionError } from '../agent-definition.error.js';
import { isReservedName } from '../frontmatter.schema.js';

export const AGENTS_MANIFEST = 'agents.json';

const Alias = AgentName.refine((name) => !isReservedName(name), { message: 'is a reserved name' });

/** The optional root `agents.json`: `{ "aliases": { "helper": "Assistant" } }`. Strict, so typos are caught. */
export const AgentsManifest = z.strictObject({
  aliases: z.record(Alias, AgentName).default({}),
});
export type AgentsManifest = z.infer<typeof AgentsManifest>;

export type ManifestResult = {
  manifest: AgentsManifest;
  errors: AgentDefinitionError[];
  /** The line where a key is written (1 when absent), for errors found later, e.g. an alias to a missing agent. */
  lineOf: (key: string) => number;
};

const EMPTY: AgentsManifest = { aliases: {} };

/** 1-based line of the first `"key"` in the text, so an error points where the author wrote it. */
const lineOf = (text: string, key: string | undefined): number => {
  if (key === undefined) return 1;
  const index = text.indexOf(JSON.stringify(key));
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
  const lineOfKey = (key: string): number => lineOf(text, key);
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
    const key = issue.code === 'unrecognized_keys' ? issue.keys[0] : issue.path.map(String).at(-1);
    const field = issue.code === 'unrecognized_keys' ? [...issue.path.map(String), key].join('.') : issue.path.map(String).join('.');
    return new AgentDefinitionError('agent.manifest_invalid', issue.code === 'unrecognized_keys' ? 'unknown field' : issue.message, {
      file: AGENTS_MANIFEST,
      line: lineOf(text, key),
      field: field === '' ? undefined : field,
    });
  });
  return { manifest: EMPTY, errors, lineOf: lineOfKey };
};
