import type { Output } from '../output.js';

/** The colours a replay view uses; plain functions when colour is off. */
export type Paint = Pick<Output, 'bold' | 'dim' | 'green' | 'red' | 'cyan'>;

/** Integer micro-dollars as dollars, exact (no float rounding in the printed figure). */
export const dollars = (micros: number): string => {
  const whole = Math.floor(micros / 1_000_000);
  const frac = String(micros % 1_000_000).padStart(6, '0').replace(/0+$/, '');
  return `$${whole}${frac ? `.${frac}` : ''}`;
};

export const duration = (ms: number): string => (ms < 1000 ? `${Math.round(ms)}ms` : `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)}s`);

export const tokens = (input: number, output: number): string => `${input} in / ${output} out tokens`;

/** A value on one line, cut to `max` characters, for facts that may be long (prompts, outputs, arguments). */
export const clip = (value: unknown, max = 60): string => {
  const text = (typeof value === 'string' ? value : JSON.stringify(value) ?? String(value)).replace(/\s+/g, ' ');
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
};

export const shortId = (id: string): string => id.slice(0, 8);
