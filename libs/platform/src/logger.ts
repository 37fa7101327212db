import { trace } from '@opentelemetry/api';
import { pino, type Logger } from 'pino';
import { currentLogContext } from './log-context.js';
import { redactText, redactValue } from './redact.js';

export type { Logger };

/** Paths whose values never reach a log line, whatever they hold (redact.ts also masks by key name and by shape). */
const REDACT = [
  'req.headers.authorization',
  'req.headers["x-api-key"]',
  'req.headers.cookie',
  'headers.authorization',
  'headers["x-api-key"]',
  '*.headers.authorization',
  '*.headers["x-api-key"]',
];

/**
 * The ids of the work in progress (log-context.ts) and of the active trace span, on every line: a line can be
 * found from a run, a step, a request or a trace, and a trace from a line.
 */
const mixin = (): Record<string, unknown> => {
  const span = trace.getActiveSpan()?.spanContext();
  const ids = span && span.traceId !== '00000000000000000000000000000000' ? { traceId: span.traceId, spanId: span.spanId } : {};
  return { ...currentLogContext(), ...ids };
};

/**
 * Structured JSON logs (pino) with secret redaction; `level: 'silent'` for tests. `destination` is for tests
 * that read what was written.
 */
export const createLogger = (options: { name: string; level?: string; destination?: pino.DestinationStream }): Logger =>
  pino(
    {
      name: options.name,
      level: options.level ?? 'info',
      redact: { paths: REDACT, censor: '[redacted]' },
      mixin,
      formatters: { log: (object) => redactValue(object) as Record<string, unknown> },
      hooks: {
        // The message text (and printf-style arguments) is masked like every other value.
        logMethod(args, method) {
          method.apply(this, args.map((a) => (typeof a === 'string' ? redactText(a) : a)) as Parameters<typeof method>);
        },
      },
    },
    ...(options.destination ? [options.destination] : []),
  );
