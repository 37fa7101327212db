import { newId, type PoolClient } from '@shaman/platform';
import type { Actor } from '../auth/principal.js';

export type AuditOutcome = 'ok' | 'rejected' | 'forbidden' | 'failed';
export type AuditEntry = { orgId: string; actor: Actor; action: string; outcome: AuditOutcome; details: Record<string, unknown> };

// Field names whose values are credentials: an audit log that stored them would be a second copy of every secret.
const CREDENTIAL_FIELD = /token|secret|password|value|credential|key$/i;

/** The arguments with every credential-looking field replaced, at any depth. */
export const redactArguments = (value: unknown, field = ''): unknown => {
  if (field !== '' && CREDENTIAL_FIELD.test(field) && value !== null && value !== undefined && typeof value !== 'boolean') return '[redacted]';
  if (Array.isArray(value)) return value.map((v) => redactArguments(v));
  if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redactArguments(v, k)]));
  return value;
};

export const appendAudit = async (client: PoolClient, entry: AuditEntry): Promise<void> => {
  await client.query('INSERT INTO audit_log (id, org_id, actor_kind, actor_id, action, outcome, details) VALUES ($1, $2, $3, $4, $5, $6, $7)', [
    newId(),
    entry.orgId,
    entry.actor.kind,
    entry.actor.id,
    entry.action,
    entry.outcome,
    JSON.stringify(entry.details),
  ]);
};

export type AuditRow = { id: string; at: Date; actorKind: string; actorId: string; action: string; outcome: AuditOutcome; details: unknown };

export type AuditFilter = { action: string | null; actorId: string | null; outcome: AuditOutcome | null; since: Date | null; until: Date | null; before: { at: Date; id: string } | null; limit: number };

/** Newest first, keyset-paginated on (at, id). */
export const listAudit = async (client: PoolClient, f: AuditFilter): Promise<AuditRow[]> => {
  const { rows } = await client.query<{ id: string; at: Date; actor_kind: string; actor_id: string; action: string; outcome: AuditOutcome; details: unknown }>(
    `SELECT id, at, actor_kind, actor_id, action, outcome, details FROM audit_log
      WHERE ($1::text IS NULL OR action = $1) AND ($2::text IS NULL OR actor_id = $2) AND ($3::text IS NULL OR outcome = $3)
        AND ($4::timestamptz IS NULL OR at >= $4) AND ($5::timestamptz IS NULL OR at < $5)
        AND ($6::timestamptz IS NULL OR (at, id) < ($6, $7::uuid))
      ORDER BY at DESC, id DESC LIMIT $8`,
    [f.action, f.actorId, f.outcome, f.since, f.until, f.before?.at ?? null, f.before?.id ?? null, f.limit],
  );
  return rows.map((r) => ({ id: r.id, at: r.at, actorKind: r.actor_kind, actorId: r.actor_id, action: r.action, outcome: r.outcome, details: r.details }));
};
