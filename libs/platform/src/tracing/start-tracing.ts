import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, NodeTracerProvider, ParentBasedSampler, TraceIdRatioBasedSampler } from '@opentelemetry/sdk-trace-node';
import { hostname } from 'node:os';
import { parseOtlpHeaders, tracesUrlOf, type TracingConfig } from './tracing-config.js';

export type Tracing = { readonly enabled: boolean; shutdown(): Promise<void> };

/**
 * Registers the global tracer provider (W3C trace context, AsyncLocalStorage context) when an OTLP endpoint
 * is configured; otherwise the OpenTelemetry API stays a no-op and spans cost nothing. Call first in
 * `main.ts`; `shutdown` (after the app drained) sends the spans still buffered. No auto-instrumentation:
 * spans are made where Shaman's own work is (requests, appends, steps, model and tool calls, batches).
 */
export const startTracing = (serviceName: string, config: TracingConfig): Tracing => {
  const url = tracesUrlOf(config);
  if (url === null) return { enabled: false, shutdown: async () => undefined };
  const exporter = new OTLPTraceExporter({ url, headers: parseOtlpHeaders(config.OTEL_EXPORTER_OTLP_HEADERS) });
  const provider = new NodeTracerProvider({
    resource: resourceFromAttributes({ 'service.name': config.OTEL_SERVICE_NAME ?? serviceName, 'service.instance.id': `${hostname()}-${process.pid}` }),
    sampler: new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(config.OTEL_TRACES_SAMPLER_ARG) }),
    spanProcessors: [new BatchSpanProcessor(exporter, { scheduledDelayMillis: config.OTEL_BSP_SCHEDULE_DELAY })],
  });
  provider.register();
  return { enabled: true, shutdown: () => provider.shutdown() };
};
