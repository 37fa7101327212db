import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { agentFrontmatterJsonSchema } from './frontmatter.schema.js';

const FILE = fileURLToPath(new URL('../agent-frontmatter.schema.json', import.meta.url));

describe('the JSON Schema file for editors', () => {
  it('is the frontmatter schema, up to date (regenerate: npm run schema:agents)', async () => {
    const committed = JSON.parse(await readFile(FILE, 'utf8')) as Record<string, unknown>;
    expect(committed).toEqual({ $id: 'https://shaman.dev/schemas/agent-frontmatter.json', title: 'Shaman agent frontmatter', ...agentFrontmatterJsonSchema() });
  });
});
