import { isTerminalRowStatus, type RunRowStatus } from './rows.js';

/**
 * A run's status from its root steps' statuses: open while any root is open ('submitted' only if every root
 * still is), otherwise the worst outcome wins: failed, then canceled, then completed. A run with no root yet
 * is 'submitted'.
 */
export const deriveRunStatus = (rootStatuses: readonly string[]): RunRowStatus => {
  if (rootStatuses.every((s) => s === 'submitted')) return 'submitted';
  if (rootStatuses.some((s) => !isTerminalRowStatus(s))) return 'working';
  if (rootStatuses.includes('failed')) return 'failed';
  if (rootStatuses.includes('canceled')) return 'canceled';
  return 'completed';
};
