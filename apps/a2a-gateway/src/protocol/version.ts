import { A2AError } from '../errors.js';

export type WireVersion = '0.3' | '1.0';

const VERSION = /^(\d+)\.(\d+)(?:\.\d+)?$/;

/**
 * The wire version of one request, from its `A2A-Version` header. Absent or empty means 0.3 (spec §3.6.2);
 * a patch level is ignored (`1.0.1` is 1.0). Anything else is -32009.
 */
export const negotiateVersion = (header: string | string[] | undefined): WireVersion => {
  const raw = (Array.isArray(header) ? header[0] : header)?.trim() ?? '';
  if (raw === '') return '0.3';
  const m = VERSION.exec(raw);
  const majorMinor = m ? `${Number(m[1])}.${Number(m[2])}` : raw;
  if (majorMinor === '0.3' || majorMinor === '1.0') return majorMinor;
  throw new A2AError('version_not_supported', `A2A-Version ${raw} is not supported; use 0.3 or 1.0`, { supported: ['0.3', '1.0'] });
};
