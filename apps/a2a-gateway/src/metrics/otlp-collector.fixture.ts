import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A span as an OTLP/JSON collector receives it, with the service that sent it. */
export type CollectedSpan = { service: string; name: string; traceId: string; spanId: string; parentSpanId: string; links: string[] };

type OtlpValue = { stringValue?: string };
type OtlpSpan = { name: string; traceId: string; spanId: string; parentSpanId?: string; links?: { traceId: string }[] };
type OtlpBody = { resourceSpans?: { resource?: { attributes?: { key: string; value: OtlpValue }[] }; scopeSpans?: { spans?: OtlpSpan[] }[] }[] };

/** OTLP/JSON ids are hex; some exporters send base64. Either way the test compares hex. */
const hex = (id: string | undefined): string => (!id ? '' : /^[0-9a-f]+$/i.test(id) ? id.toLowerCase() : Buffer.from(id, 'base64').toString('hex'));

/**
 * A tiny OTLP/HTTP collector on 127.0.0.1 that keeps every span it is sent (JSON encoding, what
 * `@opentelemetry/exporter-trace-otlp-http` posts to `<endpoint>/v1/traces`).
 */
export const startOtlpCollector = async (): Promise<{ endpoint: string; spans: CollectedSpan[]; close(): Promise<void> }> => {
  const spans: CollectedSpan[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (body += chunk));
    req.on('end', () => {
      if (req.url === '/v1/traces' && (req.headers['content-type'] ?? '').includes('json')) {
        const parsed = JSON.parse(body) as OtlpBody;
        for (const rs of parsed.resourceSpans ?? []) {
          const service = rs.resource?.attributes?.find((a) => a.key === 'service.name')?.value.stringValue ?? '';
          for (const ss of rs.scopeSpans ?? [])
            for (const s of ss.spans ?? []) spans.push({ service, name: s.name, traceId: hex(s.traceId), spanId: hex(s.spanId), parentSpanId: hex(s.parentSpanId), links: (s.links ?? []).map((l) => hex(l.traceId)) });
        }
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    spans,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
};
