import type { Role } from '@shaman/platform';

/** Who performs an action, as the audit log records it. */
export type Actor = { kind: 'api_key' | 'user' | 'service_account'; id: string };

/**
 * The caller of a GraphQL request, however it authenticated: an API key (bound to one organization, with the
 * key's or its service account's role) or a person with an OIDC token (in the organization they selected,
 * with their membership's role).
 */
export type Principal = {
  /** The organization every read and write is scoped to (RLS); NO_ORGANIZATION when a person selected none. */
  orgId: string;
  /** The caller's role in `orgId`; null when it has none (a person outside any selected organization). */
  role: Role | null;
  actor: Actor;
  keyId: string | null;
  userId: string | null;
  /** A person's e-mail and name, from their verified token; null for keys. */
  person: { email: string | null; name: string | null } | null;
  /** Agent scopes of an API key (`*` for everything); people are not agent-scoped. */
  scopes: string[];
};

/** The nil UUID: no organization has it, so RLS shows nothing and every write is refused. */
export const NO_ORGANIZATION = '00000000-0000-0000-0000-000000000000';
