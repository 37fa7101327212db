import { describe, expect, it } from 'vitest';
import { loadGatewayConfig } from '../config.js';

describe('internal role configuration', () => {
  it('is off unless GATEWAY_INTERNAL_PORT is set (an empty value counts as unset)', () => {
    expect(loadGatewayConfig({}).GATEWAY_INTERNAL_PORT).toBeUndefined();
    expect(loadGatewayConfig({ GATEWAY_INTERNAL_PORT: '' }).GATEWAY_INTERNAL_PORT).toBeUndefined();
  });

  it('refuses an internal port without verification keys, naming what to set', () => {
    expect(() => loadGatewayConfig({ GATEWAY_INTERNAL_PORT: '0' })).toThrow(/GATEWAY_INTERNAL_PORT: the internal role needs verification keys: set SHAMAN_INTERNAL_JWKS/);
  });

  it('takes a JWKS or the HS256 fallback secret, with default issuer, audience, host and depth', () => {
    const config = loadGatewayConfig({ GATEWAY_INTERNAL_PORT: '8082', SHAMAN_INTERNAL_JWKS: '{"keys":[]}', SHAMAN_INTERNAL_JWT_ISSUER: '' });
    expect(config).toMatchObject({ GATEWAY_INTERNAL_PORT: 8082, GATEWAY_INTERNAL_HOST: '127.0.0.1', SHAMAN_INTERNAL_JWT_ISSUER: 'shaman', SHAMAN_INTERNAL_JWT_AUDIENCE: 'shaman-internal', GATEWAY_MAX_CALL_DEPTH: 8 });
    expect(loadGatewayConfig({ GATEWAY_INTERNAL_PORT: '0', SHAMAN_INTERNAL_JWT_SECRET: 's'.repeat(32) }).GATEWAY_INTERNAL_PORT).toBe(0);
  });
});
