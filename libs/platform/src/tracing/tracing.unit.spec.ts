import { context, propagation, trace } from '@opentelemetry/api';
import { InMemorySpanExporter, NodeTracerProvider, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-node';
import Fastify from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../logger.js';
import { registerRequestScope } from './request-scope.js';
import { SpanKind, activeTraceparent, inSpan, injectTraceHeaders } from './spans.js';
import { traceAppends } from './trace-appends.js';

type Event = { type: string; data: unknown; metadata: Record<string, unknown> };
/** An in-memory event store: what the wrapper hands to appendToStream is what would be published. */
const memoryStore = () => {
  const appended: Event[][] = [];
  return { appended, appendToStream: async (_stream: string, events: Event[]) => (appended.push(events), { duplicate: false }), other: () => 'kept' };
};
const request = (): Event => ({ type: 'RunRequested', data: {}, metadata: { orgId: 'org-1', runId: 'run-1', stepId: 'step-1', eventId: 'e1', at: '2026-01-01T00:00:00.000Z' } });

const withTracing = () => {
  const exporter = new InMemorySpanExporter();
  const provider = new NodeTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  provider.register();
  return exporter;
};

afterEach(() => {
  trace.disable();
  context.disable();
  propagation.disable();
});

describe('tracing', () => {
  it('continues a caller\'s trace through a request, stamps it on appended events, and logs the ids', async () => {
    const exporter = withTracing();
    const lines: Record<string, unknown>[] = [];
    const logger = createLogger({ name: 'scope-test', destination: { write: (s: string) => void lines.push(JSON.parse(s) as Record<string, unknown>) } });
    const store = traceAppends(memoryStore());
    const app = Fastify();
    registerRequestScope(app);
    app.post('/send', async () => {
      await store.appendToStream('req.org-1.run-1.step-1', [request()]);
      logger.info('appended');
      return { ok: true };
    });
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const res = await app.inject({ method: 'POST', url: '/send', headers: { traceparent: `00-${traceId}-00f067aa0ba902b7-01` }, payload: {} });
    expect(res.statusCode).toBe(200);
    const spans = exporter.getFinishedSpans();
    const server = spans.find((s) => s.name === 'POST /send')!;
    const append = spans.find((s) => s.name === 'append RunRequested')!;
    expect(server.spanContext().traceId).toBe(traceId);
    expect(server.parentSpanContext?.spanId).toBe('00f067aa0ba902b7');
    expect(append.parentSpanContext?.spanId).toBe(server.spanContext().spanId);
    expect(append.kind).toBe(SpanKind.PRODUCER);
    const stamped = store.appended[0]![0]!.metadata['traceparent'];
    expect(stamped).toBe(`00-${traceId}-${append.spanContext().spanId}-01`);
    expect(lines[0]).toMatchObject({ msg: 'appended', requestId: 'req-1', orgId: 'org-1', runId: 'run-1', stepId: 'step-1', traceId });
    expect(store.other()).toBe('kept');
    await app.close();
  });

  it('keeps a traceparent an event already carries, and injects the active span into outgoing headers', async () => {
    withTracing();
    const store = traceAppends(memoryStore());
    const own = { ...request(), metadata: { ...request().metadata, traceparent: '00-11111111111111111111111111111111-2222222222222222-01' } };
    await inSpan('step', {}, async (span) => {
      await store.appendToStream('evt.x', [own]);
      const headers = injectTraceHeaders({ authorization: 'Bearer t' });
      expect(headers['traceparent']).toBe(`00-${span.spanContext().traceId}-${span.spanContext().spanId}-01`);
      expect(headers.authorization).toBe('Bearer t');
    });
    expect(store.appended[0]![0]!.metadata['traceparent']).toBe('00-11111111111111111111111111111111-2222222222222222-01');
  });

  it('changes nothing when tracing is off: no traceparent on events or headers', async () => {
    const store = traceAppends(memoryStore());
    await inSpan('step', {}, async () => {
      await store.appendToStream('req.x', [request()]);
      expect(activeTraceparent()).toBeUndefined();
      expect(injectTraceHeaders({})).toEqual({});
    });
    expect(store.appended[0]![0]).toEqual(request());
  });
});
