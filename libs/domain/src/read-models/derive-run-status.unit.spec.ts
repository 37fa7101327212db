import { describe, expect, it } from 'vitest';
import { deriveRunStatus } from './derive-run-status.js';

describe('deriveRunStatus', () => {
  it.each([
    [['submitted'], 'submitted'],
    [['submitted', 'submitted'], 'submitted'],
    [[], 'submitted'],
    [['working'], 'working'],
    [['submitted', 'working'], 'working'],
    [['input-required'], 'input-required'],
    [['input-required', 'completed'], 'input-required'],
    [['input-required', 'working'], 'working'],
    [['completed', 'submitted'], 'working'],
    [['failed', 'working'], 'working'],
    [['completed'], 'completed'],
    [['completed', 'completed'], 'completed'],
    [['completed', 'canceled'], 'canceled'],
    [['canceled', 'failed', 'completed'], 'failed'],
    [['failed'], 'failed'],
  ])('given roots %j, the run is %s', (roots, expected) => {
    expect(deriveRunStatus(roots)).toBe(expected);
  });
});
