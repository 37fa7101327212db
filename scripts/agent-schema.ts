// Writes libs/agents/agent-frontmatter.schema.json from the one zod schema, for editors (YAML language
// servers map it onto agent files). A unit test fails when the committed file drifts from the schema.
import { agentFrontmatterJsonSchema } from '@shaman/agents';
import { writeFile } from 'node:fs/promises';

const schema = { $id: 'https://shaman.dev/schemas/agent-frontmatter.json', title: 'Shaman agent frontmatter', ...agentFrontmatterJsonSchema() };
await writeFile(new URL('../libs/agents/agent-frontmatter.schema.json', import.meta.url), `${JSON.stringify(schema, null, 2)}\n`);
