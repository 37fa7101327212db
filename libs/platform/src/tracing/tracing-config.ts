import { z } from 'zod';

/** Compose files write unset variables as empty strings: those mean unset. */
const unsetIfEmpty = <T extends z.ZodType>(schema: T) => z.preprocess((v) => (v === '' ? undefined : v), schema);

/**
 * The OpenTelemetry settings every app accepts, under their standard names (so collectors' and platforms'
 * usual environment works unchanged). Tracing is off unless an OTLP endpoint is given. Apps spread
 * `TracingEnv.shape` into their own config schema; only `apps/<app>/src/config.ts` reads the environment.
 */
export const TracingEnv = z.object({
  /** OTLP/HTTP base URL of a collector (traces go to `<endpoint>/v1/traces`); unset = no tracing. */
  OTEL_EXPORTER_OTLP_ENDPOINT: unsetIfEmpty(z.url({ protocol: /^https?$/ }).optional()),
  /** Full OTLP/HTTP traces URL; wins over OTEL_EXPORTER_OTLP_ENDPOINT. */
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: unsetIfEmpty(z.url({ protocol: /^https?$/ }).optional()),
  /** Headers for the collector, `key=value,key2=value2` (e.g. an API key of a hosted backend). */
  OTEL_EXPORTER_OTLP_HEADERS: unsetIfEmpty(z.string().optional()),
  /** The `service.name` resource attribute; defaults to the app's name. */
  OTEL_SERVICE_NAME: unsetIfEmpty(z.string().min(1).optional()),
  /** Share of new traces recorded (0..1); a span whose parent was sampled is always recorded (parent-based). */
  OTEL_TRACES_SAMPLER_ARG: unsetIfEmpty(z.coerce.number().min(0).max(1).default(1)),
  /** How often finished spans are sent, in ms. */
  OTEL_BSP_SCHEDULE_DELAY: z.coerce.number().int().positive().default(5000),
  /** Turns tracing off even with an endpoint. */
  OTEL_SDK_DISABLED: z.stringbool().default(false),
});
export type TracingConfig = z.infer<typeof TracingEnv>;

/** Where spans go, or null when tracing is off. */
export const tracesUrlOf = (config: TracingConfig): string | null => {
  if (config.OTEL_SDK_DISABLED) return null;
  if (config.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) return config.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT;
  if (config.OTEL_EXPORTER_OTLP_ENDPOINT) return `${config.OTEL_EXPORTER_OTLP_ENDPOINT.replace(/\/+$/, '')}/v1/traces`;
  return null;
};

/** `k=v,k2=v2` (values URL-encoded, as the OTel spec says) as a header record. */
export const parseOtlpHeaders = (text: string | undefined): Record<string, string> =>
  Object.fromEntries(
    (text ?? '')
      .split(',')
      .map((pair) => pair.split('='))
      .filter((kv): kv is [string, ...string[]] => kv.length >= 2 && (kv[0] ?? '').trim() !== '')
      .map(([k, ...v]) => [k.trim(), decodeURIComponent(v.join('=').trim())]),
  );
