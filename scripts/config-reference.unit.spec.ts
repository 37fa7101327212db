import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { APPS, DOC_PATH, END, START, renderReference } from './config-reference.js';

describe('docs/operations.md configuration reference', () => {
  it('matches the apps\' zod config schemas (regenerate with npx tsx scripts/config-reference.ts)', () => {
    const doc = readFileSync(DOC_PATH, 'utf8');
    const section = doc.slice(doc.indexOf(START), doc.indexOf(END) + END.length);
    expect(section).toBe(renderReference());
  });

  it('lists every variable of every app, each with a description', () => {
    const reference = renderReference();
    for (const { app, schema } of APPS) {
      const table = reference.slice(reference.indexOf(`### ${app}\n`)).split('\n\n### ')[0] ?? '';
      for (const name of Object.keys(schema.shape)) {
        const row = table.split('\n').find((line) => line.startsWith(`| \`${name}\` |`));
        expect(row, `${app}: ${name}`).toBeDefined();
        expect(row!.trimEnd().endsWith('|  |'), `${app}: ${name} has no description`).toBe(false);
      }
    }
  });
});
