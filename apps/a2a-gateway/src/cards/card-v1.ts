import type { AgentCardV03 } from './agent-card.js';

type Card = Omit<AgentCardV03, 'skills'> & { skills: unknown[] };

/** v0.3 OpenAPI-style schemes → proto oneof members (`apiKey.in` is `location` there). */
const schemeToProto = (s: { type: string; in?: string; name?: string; scheme?: string; description?: string }) =>
  s.type === 'apiKey'
    ? { apiKeySecurityScheme: { location: s.in, name: s.name, description: s.description } }
    : { httpAuthSecurityScheme: { scheme: s.scheme, description: s.description } };

/** Security schemes and requirements as ProtoJSON, the same in 0.3's a2a.proto and 1.0's. */
const protoSecurity = (card: Card) => ({
  securitySchemes: Object.fromEntries(Object.entries(card.securitySchemes).map(([name, s]) => [name, schemeToProto(s)])),
  requirements: card.security.map((entry) => ({ schemes: Object.fromEntries(Object.keys(entry).map((name) => [name, { list: [] }])) })),
});

/**
 * The same card in v1.0 form: `supportedInterfaces` (in preference order, one per binding and version, since the
 * version is chosen per request on the same URL) replaces url/preferredTransport/additionalInterfaces/
 * protocolVersion; `capabilities.extendedAgentCard` replaces `supportsAuthenticatedExtendedCard`;
 * `securityRequirements` replaces `security`.
 */
export const cardToV1 = (card: Card) => {
  const { url: _url, preferredTransport: _p, additionalInterfaces, protocolVersion: _v, supportsAuthenticatedExtendedCard, capabilities, securitySchemes: _s, security: _sec, ...rest } = card;
  const binding = (version: string) => additionalInterfaces.map((i) => ({ url: i.url, protocolBinding: i.transport, protocolVersion: version }));
  const { stateTransitionHistory: _h, ...caps } = capabilities;
  const { securitySchemes, requirements } = protoSecurity(card);
  return { ...rest, supportedInterfaces: [...binding('1.0'), ...binding('0.3')], capabilities: { ...caps, extendedAgentCard: supportsAuthenticatedExtendedCard }, securitySchemes, securityRequirements: requirements };
};

/** The card as 0.3's a2a.proto JSON (REST `GET /v1/card`, read by a2a-js 0.3's REST client): proto security shapes. */
export const cardToRest03 = (card: Card) => {
  const { stateTransitionHistory: _h, ...capabilities } = card.capabilities;
  const { securitySchemes, requirements } = protoSecurity(card);
  return { ...card, capabilities, securitySchemes, security: requirements };
};
