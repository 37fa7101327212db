import { AgentName } from '@shaman/events';
import { z } from 'zod';

/**
 * One agent a registry lists. `url` is its A2A endpoint; the card is given inline (`card`) or by address
 * (`cardUrl`), at least one of them. Unknown fields are kept out (not refused): registries are other people's
 * servers and add fields over time, and we only call what we understood.
 */
export const RegistryAgent = z
  .object({
    name: AgentName,
    url: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL of an A2A endpoint' }),
    description: z.string().default(''),
    protocolVersion: z.enum(['0.3', '1.0']).default('0.3'),
    card: z.record(z.string(), z.unknown()).optional(),
    cardUrl: z.url({ protocol: /^https?$/ }).optional(),
  })
  .refine((agent) => agent.card !== undefined || agent.cardUrl !== undefined, { message: 'needs its agent card: card or cardUrl', path: ['card'] });
export type RegistryAgent = z.infer<typeof RegistryAgent>;

/**
 * The body of `GET {registry}/agents`: `{ "agents": [ … ] }`, or the bare array (both are common). Names are
 * unique within one listing: a registry answering two agents of one name is refused whole, not guessed at.
 */
export const RegistryListing = z
  .union([z.array(RegistryAgent), z.object({ agents: z.array(RegistryAgent) }).transform((body) => body.agents)])
  .refine((agents) => new Set(agents.map((a) => a.name)).size === agents.length, { message: 'lists an agent name twice' });
export type RegistryListing = z.infer<typeof RegistryListing>;

/** The health of a registry as last checked: never checked, answering a valid listing, or not. */
export const RegistryStatus = z.enum(['unknown', 'healthy', 'unhealthy']);
export type RegistryStatus = z.infer<typeof RegistryStatus>;
