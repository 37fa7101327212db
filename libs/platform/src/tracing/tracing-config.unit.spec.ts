import { describe, expect, it } from 'vitest';
import { parseConfig } from '../config.js';
import { TracingEnv, parseOtlpHeaders, tracesUrlOf } from './tracing-config.js';

describe('tracing configuration', () => {
  it('is off by default and when compose leaves the endpoint empty', () => {
    expect(tracesUrlOf(parseConfig(TracingEnv, {}))).toBeNull();
    expect(tracesUrlOf(parseConfig(TracingEnv, { OTEL_EXPORTER_OTLP_ENDPOINT: '', OTEL_SERVICE_NAME: '' }))).toBeNull();
  });

  it('sends to <endpoint>/v1/traces, or to the traces endpoint as given; OTEL_SDK_DISABLED wins', () => {
    expect(tracesUrlOf(parseConfig(TracingEnv, { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318/' }))).toBe('http://collector:4318/v1/traces');
    expect(tracesUrlOf(parseConfig(TracingEnv, { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318', OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://t:4318/custom' }))).toBe('http://t:4318/custom');
    expect(tracesUrlOf(parseConfig(TracingEnv, { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318', OTEL_SDK_DISABLED: 'true' }))).toBeNull();
  });

  it('refuses what is not a URL or a ratio, naming the variable', () => {
    expect(() => parseConfig(TracingEnv, { OTEL_EXPORTER_OTLP_ENDPOINT: 'collector:4318' })).toThrow(/OTEL_EXPORTER_OTLP_ENDPOINT/);
    expect(() => parseConfig(TracingEnv, { OTEL_TRACES_SAMPLER_ARG: '1.5' })).toThrow(/OTEL_TRACES_SAMPLER_ARG/);
  });

  it('reads OTLP headers as key=value pairs with URL-encoded values', () => {
    expect(parseOtlpHeaders('api-key=abc%3D%3D, x-team = core')).toEqual({ 'api-key': 'abc==', 'x-team': 'core' });
    expect(parseOtlpHeaders(undefined)).toEqual({});
  });
});
