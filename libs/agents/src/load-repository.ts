import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { AgentDefinitionError } from './agent-definition.error.js';
import { parseAgentFile, type AgentDefinition } from './parse-agent.js';

/** Every valid agent of a repository by name, and every file that tried to be one and failed. */
export type AgentRepository = { agents: Map<string, AgentDefinition>; errors: AgentDefinitionError[] };

const SKIPPED_DIRS = new Set(['node_modules']);
const SKIPPED_FILES = new Set(['readme.md', 'changelog.md']);
// Files that are agents by their location, so a missing frontmatter is a mistake rather than "just a document".
const FOLDER_LAYOUT_FILES = new Set(['agent.md', 'prompt.md']);

/** Relative, '/'-separated paths of candidate Markdown files, sorted so duplicate detection is deterministic. */
const findMarkdownFiles = async (root: string, relative = ''): Promise<string[]> => {
  const entries = await readdir(join(root, relative), { withFileTypes: true });
  const nested = await Promise.all(
    entries.map(async (entry) => {
      const path = relative === '' ? entry.name : `${relative}/${entry.name}`;
      // Symlinks are not followed: a repository must not pull in files from outside itself.
      if (entry.isDirectory() && !entry.name.startsWith('.') && !SKIPPED_DIRS.has(entry.name)) {
        return findMarkdownFiles(root, path);
      }
      const isCandidate = entry.isFile() && entry.name.toLowerCase().endsWith('.md');
      return isCandidate && !SKIPPED_FILES.has(entry.name.toLowerCase()) ? [path] : [];
    }),
  );
  return nested.flat().sort();
};

const isFolderLayout = (path: string): boolean =>
  path.includes('/') && FOLDER_LAYOUT_FILES.has(path.slice(path.lastIndexOf('/') + 1));

const startsWithFrontmatter = (text: string): boolean =>
  text.replace(/^\uFEFF/, '').split(/\r?\n/, 1)[0]?.trimEnd() === '---';

const addAgent = (repository: AgentRepository, source: { path: string; text: string }): void => {
  if (!startsWithFrontmatter(source.text) && !isFolderLayout(source.path)) return; // an ordinary document
  try {
    const agent = parseAgentFile(source);
    const first = repository.agents.get(agent.name);
    if (first === undefined) {
      repository.agents.set(agent.name, agent);
      return;
    }
    const problem = `duplicate agent name ${agent.name}, first defined in ${first.path}`;
    repository.errors.push(new AgentDefinitionError('agent.name_mismatch', problem, { file: source.path, line: 1 }));
  } catch (error) {
    if (!(error instanceof AgentDefinitionError)) throw error;
    repository.errors.push(error);
  }
};

/**
 * Discovers the agents of a repository directory: `<Name>.md` at any depth (when it has frontmatter),
 * `<Name>/agent.md` and `<Name>/prompt.md`. Dot-folders, node_modules, README.md and CHANGELOG.md are skipped.
 * One invalid file lands in `errors` and never hides the others.
 */
export const loadAgentRepository = async (dir: string): Promise<AgentRepository> => {
  const paths = await findMarkdownFiles(dir);
  const texts = await Promise.all(paths.map((path) => readFile(join(dir, path), 'utf8')));
  const repository: AgentRepository = { agents: new Map(), errors: [] };
  paths.forEach((path, i) => addAgent(repository, { path, text: texts[i] ?? '' }));
  return repository;
};

/** A repository's agents, reloaded from disk when the cached copy is older than `ttlMs`. */
export type AgentCatalog = {
  get(name: string): Promise<AgentDefinition | undefined>;
  list(): Promise<AgentDefinition[]>;
  errors(): Promise<AgentDefinitionError[]>;
};

export type AgentCatalogOptions = {
  /** How long a loaded repository is served before the next call reloads it. Default 2000. */
  ttlMs?: number;
  /** Milliseconds clock; tests pass a fake one. */
  now?: () => number;
};

export const createAgentCatalog = (dir: string, options: AgentCatalogOptions = {}): AgentCatalog => {
  const { ttlMs = 2000, now = Date.now } = options;
  let cached: { at: number; repository: Promise<AgentRepository> } | undefined;
  // Concurrent callers share one in-flight load; a failed load is forgotten so the next call retries.
  const current = (): Promise<AgentRepository> => {
    const at = now();
    if (cached !== undefined && at - cached.at < ttlMs) return cached.repository;
    const repository = loadAgentRepository(dir);
    const entry = { at, repository };
    cached = entry;
    void repository.catch(() => {
      if (cached === entry) cached = undefined;
    });
    return repository;
  };
  return {
    get: async (name) => (await current()).agents.get(name),
    list: async () => [...(await current()).agents.values()],
    errors: async () => (await current()).errors,
  };
};
