import { isTerminalRowStatus, type RunRowStatus } from './rows.js';

/**
 * A run's status from its root steps' statuses: open while any root is open ('submitted' only if every root
 * still is; 'input-required' when every open root waits for a person, so a run list shows who is blocked on
 * whom), otherwise the worst outcome wins: failed, then canceled, then completed. A run with no root yet is
 * 'submitted'.
 */
export const deriveRunStatus = (rootStatuses: readonly string[]): RunRowStatus => {
  if (rootStatuses.every((s) => s === 'submitted')) return 'submitted';
  const open = rootStatuses.filter((s) => !isTerminalRowStatus(s));
  if (open.length > 0) return open.every((s) => s === 'input-required') ? 'input-required' : 'working';
  if (rootStatuses.includes('failed')) return 'failed';
  if (rootStatuses.includes('canceled')) return 'canceled';
  return 'completed';
};
