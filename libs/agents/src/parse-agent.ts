import yaml from 'js-yaml';
import type { z } from 'zod';
import { AgentDefinitionError } from './agent-definition.error.js';
import { AgentFrontmatter, FRONTMATTER_KEY_ALIASES } from './frontmatter.schema.js';

/** A validated agent: its frontmatter with defaults applied, the body as system prompt, and where it came from. */
export type AgentDefinition = AgentFrontmatter & {
  systemPrompt: string;
  /** The file as the caller named it (the repository loader passes a path relative to the repository). */
  path: string;
};

type Frontmatter = { yamlLines: string[]; bodyLines: string[] };
type Source = { path: string; text: string };

const DELIMITER = '---';
// `<Name>/agent.md` and `<Name>/prompt.md` take their name from the folder instead of the file.
const FOLDER_LAYOUT_FILES = new Set(['agent.md', 'prompt.md']);

const splitFrontmatter = ({ path, text }: Source): Frontmatter => {
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  if (lines[0]?.trimEnd() !== DELIMITER) {
    throw new AgentDefinitionError('agent.no_frontmatter', 'expected YAML frontmatter starting with "---" on line 1', {
      file: path,
      line: 1,
    });
  }
  const close = lines.findIndex((line, i) => i > 0 && line.trimEnd() === DELIMITER);
  if (close < 0) {
    throw new AgentDefinitionError('agent.no_frontmatter', 'frontmatter opened on line 1 is never closed with "---"', {
      file: path,
      line: 1,
    });
  }
  return { yamlLines: lines.slice(1, close), bodyLines: lines.slice(close + 1) };
};

const loadYaml = (yamlText: string, file: string): unknown => {
  try {
    // CORE_SCHEMA: no timestamps or custom tags, so `version: 2024-01-01` stays a string-shaped error, not a Date.
    return yaml.load(yamlText, { schema: yaml.CORE_SCHEMA, filename: file });
  } catch (error) {
    if (!(error instanceof yaml.YAMLException)) throw error;
    // mark.line is 0-based within the YAML; the YAML starts on file line 2, after the opening "---".
    const line = (error.mark?.line ?? 0) + 2;
    throw new AgentDefinitionError('agent.yaml_syntax', error.reason || error.message, { file, line, cause: error });
  }
};

const escapeRegExp = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The file line of a top-level key, also under its old snake_case spelling; line 1 (the "---") if absent. */
const keyLine = (yamlLines: string[], key: string): number => {
  const spellings = [key, ...Object.keys(FRONTMATTER_KEY_ALIASES).filter((a) => FRONTMATTER_KEY_ALIASES[a] === key)];
  const pattern = new RegExp(`^(${spellings.map(escapeRegExp).join('|')})\\s*:`);
  const index = yamlLines.findIndex((line) => pattern.test(line));
  return index < 0 ? 1 : index + 2;
};

const issueToError = (issue: z.core.$ZodIssue, data: unknown, context: { file: string; yamlLines: string[] }) => {
  const { file, yamlLines } = context;
  if (issue.code === 'unrecognized_keys') {
    const key = issue.keys[0] ?? '';
    return new AgentDefinitionError('agent.invalid_field', 'unknown field', {
      file,
      line: keyLine(yamlLines, key),
      field: key,
    });
  }
  const top = issue.path[0];
  if (typeof top !== 'string') {
    return new AgentDefinitionError('agent.invalid_field', 'frontmatter must be a YAML mapping of fields', { file, line: 1 });
  }
  const present = typeof data === 'object' && data !== null && top in data;
  const problem = present || issue.path.length > 1 ? issue.message : 'is required';
  return new AgentDefinitionError('agent.invalid_field', problem, {
    file,
    line: keyLine(yamlLines, top),
    field: issue.path.map(String).join('.'),
  });
};

/** The name a file's location promises, or undefined where the location does not imply one. */
const expectedName = (path: string): string | undefined => {
  const segments = path.split(/[\\/]/).filter((s) => s !== '' && s !== '.');
  const file = segments.at(-1) ?? '';
  if (FOLDER_LAYOUT_FILES.has(file)) return segments.at(-2);
  return file.toLowerCase().endsWith('.md') ? file.slice(0, -3) : undefined;
};

/** Parses one agent file. Throws `AgentDefinitionError` naming the file, the line and the field at fault. */
export const parseAgentFile = (source: Source): AgentDefinition => {
  const { yamlLines, bodyLines } = splitFrontmatter(source);
  const raw = loadYaml(yamlLines.join('\n'), source.path);
  const parsed = AgentFrontmatter.safeParse(raw);
  if (!parsed.success) {
    const [first] = parsed.error.issues;
    if (first === undefined) throw parsed.error; // zod never fails without an issue
    throw issueToError(first, raw, { file: source.path, yamlLines });
  }
  const expected = expectedName(source.path);
  if (expected !== undefined && expected !== parsed.data.name) {
    // The catalog, scripts and A2A card are all keyed by name; a file that says otherwise is a trap.
    throw new AgentDefinitionError('agent.name_mismatch', `"${parsed.data.name}" does not match its file ("${expected}")`, {
      file: source.path,
      line: keyLine(yamlLines, 'name'),
      field: 'name',
    });
  }
  return { ...parsed.data, systemPrompt: bodyLines.join('\n').trim(), path: source.path };
};
