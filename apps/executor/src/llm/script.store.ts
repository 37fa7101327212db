import { statSync } from 'node:fs';
import { readFile as fsReadFile } from 'node:fs/promises';
import { join } from 'node:path';
import yaml from 'js-yaml';
import { z } from 'zod';
import { AgentName } from '@shaman/events';
import { LlmError } from './llm-provider.js';

const delayMs = z.number().int().nonnegative().optional();

const ReplyTurn = z.strictObject({ reply: z.string(), delayMs });
const ToolCallsTurn = z.strictObject({
  toolCalls: z
    .array(z.strictObject({ name: z.string().min(1), arguments: z.record(z.string(), z.unknown()).default({}) }))
    .min(1),
  delayMs,
});

/** `<Agent>.script.yaml`: what the scripted model answers, one turn per assistant message so far. */
export const AgentScript = z.strictObject({ turns: z.array(z.union([ReplyTurn, ToolCallsTurn])).min(1) });
export type AgentScript = z.infer<typeof AgentScript>;
export type ScriptTurn = AgentScript['turns'][number];

/**
 * File access, injectable for tests. Without `stat` there is no mtime to compare, so nothing is cached. `stat`
 * answers null for a file that does not exist.
 */
export type ScriptFs = {
  readFile?: (path: string) => Promise<string>;
  stat?: (path: string) => Promise<{ mtimeMs: number; size: number } | null>;
};

/**
 * The default `stat`: synchronous, and null instead of an error for a missing file. It runs once per model call
 * and is almost always answered from the kernel's cache, where a promise round trip through libuv's thread pool
 * (and, for an agent without a script, an ENOENT error with its stack) cost more than the look-up itself.
 */
const statNow = (path: string): Promise<{ mtimeMs: number; size: number } | null> => Promise.resolve(statSync(path, { throwIfNoEntry: false }) ?? null);

export type ScriptStore = {
  /** The agent's script, or undefined when it has none (the provider then echoes). */
  load(agent: { name: string; repository: string }): Promise<{ path: string; script: AgentScript } | undefined>;
};

const isNotFound = (error: unknown): boolean =>
  error instanceof Error && 'code' in error && (error.code === 'ENOENT' || error.code === 'ENOTDIR');

const parseScript = (path: string, text: string): AgentScript => {
  let raw: unknown;
  try {
    raw = yaml.load(text, { schema: yaml.CORE_SCHEMA, filename: path });
  } catch (error) {
    throw new LlmError('llm.script', `${path}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
  const parsed = AgentScript.safeParse(raw);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const where = issue === undefined || issue.path.length === 0 ? '' : `${issue.path.join('.')}: `;
  throw new LlmError('llm.script', `${path}: ${where}${issue?.message ?? 'invalid script'}`, { cause: parsed.error });
};

const scriptPath = (agent: { name: string; repository: string }): string => {
  // The name becomes part of a file path: only a valid agent name may, so "../x" cannot escape the repository.
  if (!AgentName.safeParse(agent.name).success) {
    throw new LlmError('llm.bad_request', `"${agent.name}" is not a valid agent name`);
  }
  return join(agent.repository, `${agent.name}.script.yaml`);
};

/** Reads scripts, caching each parsed file until its mtime or size changes. */
export const createScriptStore = (fs: ScriptFs = {}): ScriptStore => {
  const readFile = fs.readFile ?? ((path: string) => fsReadFile(path, 'utf8'));
  const stat = fs.stat ?? (fs.readFile === undefined ? statNow : undefined);
  const cache = new Map<string, { version: string; script: AgentScript }>();
  return {
    load: async (agent) => {
      const path = scriptPath(agent);
      try {
        const info = stat === undefined ? undefined : await stat(path);
        if (info === null) return undefined;
        const version = info === undefined ? undefined : `${info.mtimeMs}:${info.size}`;
        const cached = cache.get(path);
        if (version !== undefined && cached?.version === version) return { path, script: cached.script };
        const script = parseScript(path, await readFile(path));
        if (version !== undefined) cache.set(path, { version, script });
        return { path, script };
      } catch (error) {
        if (isNotFound(error)) return undefined;
        throw error instanceof LlmError ? error : new LlmError('llm.script', `${path}: cannot read`, { cause: error });
      }
    },
  };
};
