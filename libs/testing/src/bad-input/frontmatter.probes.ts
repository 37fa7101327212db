import { parseAgentFile } from '@shaman/agents';
import type { Probe } from './probe.js';

const laughs = (): string => {
  // The "billion laughs" shape: each alias doubles the document if it were expanded.
  const lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
  for (let i = 1; i < 12; i++) lines.push(`${String.fromCharCode(97 + i)}: &${String.fromCharCode(97 + i)} [${Array(9).fill(`*${String.fromCharCode(96 + i)}`).join(',')}]`);
  return lines.join('\n');
};

/** Agent files a tenant could push: each must be refused with an error naming the file and line, quickly. */
const FILES: [string, string][] = [
  ['no frontmatter', 'You are nobody.\n'],
  ['an unterminated frontmatter', '---\nname: Open\nmodel: scripted\n'],
  ['frontmatter that is a list', '---\n- name\n- model\n---\nBody\n'],
  ['a YAML syntax error', '---\nname: [unclosed\nmodel: scripted\n---\nBody\n'],
  ['a JavaScript function tag', '---\nname: Evil\nmodel: !!js/function "function(){ return process.exit(1) }"\n---\nBody\n'],
  ['a billion laughs', `---\nname: Laughs\nmodel: scripted\n${laughs()}\n---\nBody\n`],
  ['a name that climbs directories', '---\nname: ../../etc/passwd\nmodel: scripted\n---\nBody\n'],
  ['a reserved name', '---\nname: system\nmodel: scripted\n---\nBody\n'],
  ['a name with NUL', '---\nname: "Eve\\0"\nmodel: scripted\n---\nBody\n'],
  ['a temperature of the wrong type', '---\nname: Hot\nmodel: scripted\ntemperature: hot\n---\nBody\n'],
  ['an unknown key', '---\nname: Typo\nmodel: scripted\ntemprature: 1\n---\nBody\n'],
  ['an MCP server of neither shape', '---\nname: Mcp\nmodel: scripted\nmcpServers:\n  x: { bogus: true }\n---\nBody\n'],
  ['100,000 keys', `---\nname: Wide\nmodel: scripted\n${Array.from({ length: 100_000 }, (_, i) => `k${i}: 1`).join('\n')}\n---\nBody\n`],
];

const BUDGET_MS = 2000;

export const frontmatterProbes = (): Probe[] =>
  FILES.map(([name, text]): Probe => ({
    category: 'bad frontmatter',
    name,
    run: async () => {
      const started = Date.now();
      try {
        parseAgentFile({ path: 'agents/Hostile.md', text });
        return 'accepted';
      } catch (error) {
        const took = Date.now() - started;
        if (took > BUDGET_MS) return `took ${took} ms`;
        const e = error as { name?: string; file?: string; line?: unknown; message?: string };
        if (e.name !== 'AgentDefinitionError') return `threw ${e.name ?? typeof error}: ${String(e.message).slice(0, 200)}`;
        return e.file === 'agents/Hostile.md' && typeof e.line === 'number' ? null : `error without file and line: ${String(e.message)}`;
      }
    },
  }));
