import { ROOT_CONTEXT, SpanKind, SpanStatusCode, context, propagation, trace, type Attributes, type Context, type Link, type Span } from '@opentelemetry/api';

export { SpanKind, type Span, type Context };

const tracer = () => trace.getTracer('shaman');

/**
 * Runs `fn` inside a new active span (a child of the active one, or of `parent`), ends it when `fn` settles,
 * and marks it failed when `fn` throws. With tracing off this is just `fn(span)` with a no-op span.
 */
export const inSpan = <T>(name: string, options: { kind?: SpanKind; attributes?: Attributes; parent?: Context; links?: Link[] }, fn: (span: Span) => Promise<T>): Promise<T> =>
  tracer().startActiveSpan(name, { kind: options.kind ?? SpanKind.INTERNAL, attributes: options.attributes, links: options.links }, options.parent ?? context.active(), async (span) => {
    try {
      return await fn(span);
    } catch (error) {
      span.recordException(error as Error);
      span.setStatus({ code: SpanStatusCode.ERROR, message: (error as Error).message });
      throw error;
    } finally {
      span.end();
    }
  });

/** Starts a span that the caller ends (for work bracketed by hooks, like an HTTP request). */
export const startSpan = (name: string, options: { kind?: SpanKind; attributes?: Attributes; parent?: Context }): Span =>
  tracer().startSpan(name, { kind: options.kind ?? SpanKind.INTERNAL, attributes: options.attributes }, options.parent ?? context.active());

/** Runs `fn` with `span` active: spans started inside are its children, and injected headers name it. */
export const withActiveSpan = <T>(span: Span, fn: () => T): T => context.with(trace.setSpan(context.active(), span), fn);

/**
 * Writes the active trace context (`traceparent`, `tracestate`) into outgoing headers: the A2A `call_agent`
 * request and anything else that crosses to another process over HTTP. A no-op when nothing is traced.
 */
export const injectTraceHeaders = <THeaders extends Record<string, string>>(headers: THeaders): THeaders & { traceparent?: string; tracestate?: string } => {
  propagation.inject(context.active(), headers);
  return headers;
};

/** The active span as a W3C `traceparent` (what events carry in `metadata.traceparent`), if one is recording. */
export const activeTraceparent = (): string | undefined => {
  const carrier: Record<string, string> = {};
  propagation.inject(context.active(), carrier);
  return carrier['traceparent'];
};

/** The context a `traceparent` (from an event, NATS headers or HTTP headers) continues; the root when absent. */
export const contextOf = (carrier: { traceparent?: string | undefined; tracestate?: string | undefined }): Context => {
  const headers: Record<string, string> = {};
  if (carrier.traceparent) headers['traceparent'] = carrier.traceparent;
  if (carrier.tracestate) headers['tracestate'] = carrier.tracestate;
  return propagation.extract(ROOT_CONTEXT, headers);
};

/** A span link to the work a `traceparent` names (a batch links every commit it projected); null when invalid. */
export const linkTo = (traceparent: string | undefined): Link | null => {
  const spanContext = trace.getSpanContext(contextOf({ traceparent }));
  return spanContext && trace.isSpanContextValid(spanContext) ? { context: spanContext } : null;
};
