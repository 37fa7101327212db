// Display helpers shared by the pages.

export const formatDuration = (ms: number | null | undefined): string => {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '–';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
  const minutes = Math.floor(ms / 60_000);
  return `${minutes} m ${Math.round((ms % 60_000) / 1000)} s`;
};

/** Duration between two instants; `to` missing means "still running", measured up to `now`. */
export const durationBetween = (from: string | null, to: string | null, now = Date.now()): number | null => {
  if (!from) return null;
  const start = Date.parse(from);
  const end = to ? Date.parse(to) : now;
  return Number.isFinite(start) && Number.isFinite(end) ? Math.max(0, end - start) : null;
};

export const formatTokens = (input: number, output: number): string => `${compact(input)}→${compact(output)} tok`;

const compact = (n: number): string => (n >= 10_000 ? `${(n / 1000).toFixed(n >= 100_000 ? 0 : 1)}k` : String(n));

/** "$0.001250" → "$0.00125"; zero stays "$0". */
export const formatUsd = (usd: string | undefined): string => {
  if (usd === undefined) return '';
  const trimmed = usd.replace(/(\.\d*?)0+$/, '$1').replace(/\.$/, '');
  return `$${trimmed}`;
};

export const formatTime = (iso: string | null | undefined): string => {
  if (!iso) return '–';
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? '–' : d.toLocaleString(undefined, { dateStyle: 'short', timeStyle: 'medium' });
};

export const shortId = (id: string): string => id.slice(0, 8);

export const json = (value: unknown): string => {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value;
  try {
    return JSON.stringify(value, null, 2);
  } catch {
    return String(value);
  }
};
