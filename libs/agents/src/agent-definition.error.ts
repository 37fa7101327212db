/** Closed set of reasons an agent file is rejected. */
export type AgentDefinitionErrorCode =
  | 'agent.no_frontmatter'
  | 'agent.yaml_syntax'
  | 'agent.invalid_field'
  | 'agent.name_mismatch'
  /** The repository's root `agents.json` is not valid JSON or not the expected shape. */
  | 'agent.manifest_invalid';

export type AgentDefinitionErrorOptions = {
  file: string;
  /** 1-based line in the agent file (not in the YAML), so editors and sync reports can jump to it. */
  line: number;
  field?: string;
  cause?: unknown;
};

/** An agent file that cannot be used. The message reads `<file>:<line>: <field>: <what is wrong>`. */
export class AgentDefinitionError extends Error {
  override readonly name = 'AgentDefinitionError';
  readonly file: string;
  readonly line: number;
  readonly field: string | undefined;

  constructor(readonly code: AgentDefinitionErrorCode, problem: string, options: AgentDefinitionErrorOptions) {
    const where = options.field === undefined ? '' : `${options.field}: `;
    super(`${options.file}:${options.line}: ${where}${problem}`, { cause: options.cause });
    this.file = options.file;
    this.line = options.line;
    this.field = options.field;
  }
}
