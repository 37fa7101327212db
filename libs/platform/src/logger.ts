import { pino, type Logger } from 'pino';

export type { Logger };

/** Paths whose values never reach a log line: credentials in headers, configs and errors. */
const REDACT = [
  'req.headers.authorization',
  'req.headers["x-api-key"]',
  '*.apiKey',
  '*.token',
  '*.password',
  '*.secret',
  '*.authorization',
  'headers.authorization',
];

/** Structured JSON logs (pino) with secret redaction; `level: 'silent'` for tests. */
export const createLogger = (options: { name: string; level?: string }): Logger =>
  pino({ name: options.name, level: options.level ?? 'info', redact: { paths: REDACT, censor: '[redacted]' } });
