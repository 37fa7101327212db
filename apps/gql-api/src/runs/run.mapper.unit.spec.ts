import { describe, expect, it } from 'vitest';
import { outputText, stepEdges, type Step } from './run.mapper.js';

describe('outputText', () => {
  it('joins the text parts of the output message, skipping other parts', () => {
    expect(outputText({ parts: [{ kind: 'text', text: 'Echo: hi' }] })).toBe('Echo: hi');
    expect(outputText({ parts: [{ kind: 'text', text: 'a' }, { kind: 'data', data: {} }, { kind: 'text', text: 'b' }] })).toBe('a\n\nb');
  });

  it('is null without text or without a message', () => {
    expect(outputText(null)).toBeNull();
    expect(outputText({ parts: [{ kind: 'data', data: {} }] })).toBeNull();
    expect(outputText('just a string')).toBeNull();
  });
});

describe('stepEdges', () => {
  const step = (id: string, parentStepId: string | null) => ({ id, parentStepId }) as Step;
  it('links parents to children and drops edges to steps not in the run', () => {
    expect(stepEdges([step('r', null), step('c1', 'r'), step('c2', 'r'), step('g', 'c1'), step('orphan', 'missing')])).toEqual([
      { from: 'r', to: 'c1' },
      { from: 'r', to: 'c2' },
      { from: 'c1', to: 'g' },
    ]);
  });
});
