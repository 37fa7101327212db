import { AgentName } from '@shaman/events';
import { z } from 'zod';

/** What a platform token says about the call it authorizes (the workflow context, DESIGN §7). */
export type InternalCallClaims = {
  orgId: string;
  runId: string;
  parentStepId: string;
  /** The depth the CHILD will have (the caller's depth + 1). */
  depth: number;
  /** The calling step's id. */
  initiatorId: string;
  /** Agent names from the run's root to the caller, e.g. `['planner', 'researcher']`. */
  chain: string[];
};

/** Tokens live at most this long (`exp - iat`), whatever an issuer is configured with. */
export const MAX_TOKEN_LIFETIME_SECONDS = 300;

/**
 * The private claims on the wire. Namespaced (`shaman:`), so they can never be mistaken for a registered or
 * an OIDC claim; the standard ones (`iss`, `aud`, `iat`, `exp`, `jti`, `sub`) carry the rest.
 */
export const WireClaims = z.object({
  'shaman:orgId': z.string().min(1).max(100),
  'shaman:runId': z.string().min(1).max(100),
  'shaman:parentStepId': z.string().min(1).max(100),
  'shaman:depth': z.number().int().min(1).max(1000),
  // Agent names as events carry them: the chain becomes RunRequested.callChain.
  'shaman:chain': z.array(AgentName).max(1000),
  sub: z.string().min(1).max(100),
});

export const toWire = (claims: InternalCallClaims): z.infer<typeof WireClaims> => ({
  'shaman:orgId': claims.orgId,
  'shaman:runId': claims.runId,
  'shaman:parentStepId': claims.parentStepId,
  'shaman:depth': claims.depth,
  'shaman:chain': claims.chain,
  sub: claims.initiatorId,
});

export const fromWire = (wire: z.infer<typeof WireClaims>): InternalCallClaims => ({
  orgId: wire['shaman:orgId'],
  runId: wire['shaman:runId'],
  parentStepId: wire['shaman:parentStepId'],
  depth: wire['shaman:depth'],
  initiatorId: wire.sub,
  chain: wire['shaman:chain'],
});
