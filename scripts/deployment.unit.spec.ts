import { load } from 'js-yaml';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { APPS } from './config-reference.js';

const ROOT = fileURLToPath(new URL('../', import.meta.url));

type Service = {
  build?: { context: string; args?: Record<string, string> };
  image?: string;
  command?: string[] | string;
  environment?: Record<string, string>;
  healthcheck?: { test: string[] };
  depends_on?: Record<string, { condition: string }>;
  profiles?: string[];
  init?: boolean;
  stop_grace_period?: string;
};
const compose = load(readFileSync(`${ROOT}compose.yaml`, 'utf8')) as { services: Record<string, Service>; configs?: Record<string, { content?: string }> };
const services = compose.services;
/** The long-running apps: built from the Dockerfile with APP=<an app that has a main.ts>, and not one-shot. */
const APP_SERVICES = ['a2a-gateway', 'executor', 'projector', 'gql-api'] as const;

/** The port an app serves `/readyz` on, from its own environment in compose. */
const probePort = (name: string, env: Record<string, string>): string | undefined => env['HEALTH_PORT'] ?? (name === 'a2a-gateway' ? env['GATEWAY_PORT'] : env['GQL_PORT']);

describe('compose.yaml (Docker does not run here: its structure is checked)', () => {
  it.each(APP_SERVICES)('%s is built from the Dockerfile, health-checked on /readyz at its own port, and waits for its dependencies', (name) => {
    const svc = services[name]!;
    expect(svc.build?.args?.['APP']).toBe(name);
    expect(existsSync(`${ROOT}apps/${name}/src/main.ts`)).toBe(true);
    const port = probePort(name, svc.environment ?? {});
    expect(port).toMatch(/^\d+$/);
    expect(svc.healthcheck?.test.join(' ')).toContain(`http://127.0.0.1:${port}/readyz`);
    expect(Object.keys(svc.depends_on ?? {})).toContain('nats');
    expect(svc.depends_on?.['nats']?.condition).toBe('service_healthy');
    // SIGTERM reaches node (init reaps, exec in the image's CMD) and the drain has time to finish.
    expect(svc.init).toBe(true);
    expect(Number.parseInt(svc.stop_grace_period ?? '0', 10)).toBeGreaterThanOrEqual(15);
  });

  it.each(APP_SERVICES)('%s sets only variables its configuration schema knows (a typo would be silently ignored)', (name) => {
    const known = new Set(Object.keys(APPS.find((a) => a.app === name)!.schema.shape));
    const unknown = Object.keys(services[name]!.environment ?? {}).filter((v) => !known.has(v));
    expect(unknown).toEqual([]);
  });

  it('runs NATS with JetStream, PostgreSQL and Redis, each with a health check', () => {
    expect(String(services['nats']?.command)).toContain('-js');
    for (const dep of ['nats', 'postgres', 'redis']) expect(services[dep]?.healthcheck?.test.length).toBeGreaterThan(0);
  });

  it('has a cluster profile of three JetStream nodes routed to each other, and its env file asks for R3 streams', () => {
    const nodes = Object.entries(services).filter(([, s]) => s.profiles?.includes('cluster'));
    expect(nodes.map(([n]) => n).sort()).toEqual(['nats-1', 'nats-2', 'nats-3']);
    for (const [name, node] of nodes) {
      const args = (node.command as string[]).join(' ');
      expect(args).toContain('-js');
      expect(args).toContain(`--server_name ${name}`);
      expect(args).toContain('--cluster_name shaman');
      for (const peer of ['nats-1', 'nats-2', 'nats-3']) expect(args).toContain(`nats://${peer}:6222`);
      expect(node.healthcheck?.test.length).toBeGreaterThan(0);
    }
    const env = Object.fromEntries(readFileSync(`${ROOT}compose.cluster.env`, 'utf8').split('\n').filter((l) => /^\w+=/.test(l)).map((l) => l.split('=', 2) as [string, string]));
    expect(env['NATS_STREAM_REPLICAS']).toBe('3');
    expect(env['NATS_URL']?.split(',')).toEqual(['nats://nats-1:4222', 'nats://nats-2:4222', 'nats://nats-3:4222']);
    for (const name of APP_SERVICES) {
      expect(services[name]!.environment?.['NATS_URL']).toBe('${NATS_URL:-nats://nats:4222}');
      expect(services[name]!.environment?.['NATS_STREAM_REPLICAS']).toBe('${NATS_STREAM_REPLICAS:-1}');
    }
  });
});

describe('compose.yaml observability profile', () => {
  it('has Prometheus scrape every app at the port it serves /metrics on, and Jaeger accept OTLP', () => {
    const scrape = load(compose.configs?.['prometheus']?.content ?? '') as { scrape_configs: { static_configs: { targets: string[] }[] }[] };
    const targets = scrape.scrape_configs.flatMap((c) => c.static_configs.flatMap((t) => t.targets)).sort();
    expect(targets).toEqual(APP_SERVICES.map((name) => `${name}:${probePort(name, services[name]!.environment ?? {})}`).sort());
    expect(services['prometheus']?.profiles).toEqual(['observability']);
    expect(services['jaeger']?.environment?.['COLLECTOR_OTLP_ENABLED']).toBe('true');
  });
});

describe('Dockerfile', () => {
  const dockerfile = readFileSync(`${ROOT}Dockerfile`, 'utf8');
  it('is multi-stage, runs as an unprivileged user, and execs node so SIGTERM reaches the app', () => {
    expect(dockerfile.match(/^FROM /gm)?.length).toBeGreaterThanOrEqual(2);
    expect(dockerfile).toMatch(/^FROM .* AS runtime$/m);
    expect(dockerfile).toMatch(/^USER node$/m);
    expect(dockerfile).toMatch(/^CMD \[.*exec node .*main\.ts/m);
    expect(dockerfile).toContain('--ignore-scripts');
  });
});
