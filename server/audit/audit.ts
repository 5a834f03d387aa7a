/**
 * The audit log: one row per change, written in the transaction that makes the change, so a change
 * without its audit row (or the reverse) cannot exist. The table refuses UPDATE and DELETE itself.
 */
import type { Knex } from '../db/knex.js';

export type AuditEntity = 'martyr' | 'grave' | 'cemetery' | 'photo' | 'submission' | 'user' | 'session' | 'family_request';

export type AuditEntry = {
  actorUserId: number | null;
  action: string;
  entityType: AuditEntity;
  entityId: number | null;
  before?: unknown;
  after?: unknown;
  reason?: string | null;
  submissionId?: number | null;
  ip?: string | null;
};

export async function writeAudit(trx: Knex, entry: AuditEntry): Promise<void> {
  await trx('audit_log').insert({
    actor_user_id: entry.actorUserId,
    action: entry.action,
    entity_type: entry.entityType,
    entity_id: entry.entityId,
    before: entry.before === undefined ? null : JSON.stringify(entry.before),
    after: entry.after === undefined ? null : JSON.stringify(entry.after),
    reason: entry.reason ?? null,
    submission_id: entry.submissionId ?? null,
    ip: entry.ip ?? null,
  });
}

/** Only the fields that differ, before and after: what a history timeline shows. */
export function changedFields<T extends Record<string, unknown>>(before: T, after: Partial<T>): { before: Partial<T>; after: Partial<T> } {
  const b: Partial<T> = {};
  const a: Partial<T> = {};
  for (const key of Object.keys(after) as (keyof T)[]) {
    if (JSON.stringify(before[key] ?? null) !== JSON.stringify(after[key] ?? null)) {
      b[key] = before[key];
      a[key] = after[key];
    }
  }
  return { before: b, after: a };
}
