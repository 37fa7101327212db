import type { FastifyInstance, FastifyRequest } from 'fastify';
import { withLogContext } from '../log-context.js';
import { SpanKind, contextOf, startSpan, withActiveSpan, type Span } from './spans.js';

const SPAN = Symbol('shaman.request.span');
type Scoped = FastifyRequest & { [SPAN]?: Span };

const header = (value: string | string[] | undefined): string | undefined => (Array.isArray(value) ? value[0] : value);

/**
 * Every request of a Fastify server runs inside a server span (continuing the caller's `traceparent`, if
 * any) and a log context naming its request id. The hook calls `done` inside both, which is what makes the
 * rest of Fastify's chain, the handler included, run in them (AsyncLocalStorage follows the call).
 */
export const registerRequestScope = (app: FastifyInstance): void => {
  app.addHook('onRequest', (request, _reply, done) => {
    const route = request.routeOptions.url ?? 'unmatched';
    const span = startSpan(`${request.method} ${route}`, {
      kind: SpanKind.SERVER,
      attributes: { 'http.request.method': request.method, 'http.route': route },
      parent: contextOf({ traceparent: header(request.headers['traceparent']), tracestate: header(request.headers['tracestate']) }),
    });
    (request as Scoped)[SPAN] = span;
    withLogContext({ requestId: request.id }, () => withActiveSpan(span, done));
  });
  app.addHook('onResponse', (request, reply, done) => {
    const span = (request as Scoped)[SPAN];
    span?.setAttribute('http.response.status_code', reply.statusCode);
    span?.end();
    done();
  });
};
