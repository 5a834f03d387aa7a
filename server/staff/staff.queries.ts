/** What the staff home and the audit pages read, always through the user's scope. */
import type { Db, Knex } from '../db/knex.js';
import { Conditions } from '../db/conditions.js';
import { cemeteryInScope, martyrInScope, submissionInScope, type Scope } from '../accounts/scope.js';

export type StaffCounts = { cemeteries: number; graves: number; gravesWithoutPhoto: number; martyrs: number; openSubmissions: number };

export async function staffCounts(db: Db, scope: Scope): Promise<StaffCounts> {
  const c = cemeteryInScope(scope);
  const m = martyrInScope(scope);
  const s = submissionInScope(scope);
  const { rows } = await db.raw<{ rows: StaffCounts[] }>(
    `SELECT
       (SELECT count(*) FROM cemeteries c WHERE ${c.sql}) AS cemeteries,
       (SELECT COALESCE(sum(st.identified + st.partial + st.unknown), 0) FROM cemeteries c JOIN cemetery_stats st ON st.cemetery_id = c.id WHERE ${c.sql}) AS graves,
       (SELECT count(*) FROM graves g JOIN cemeteries c ON c.id = g.cemetery_id
          WHERE ${c.sql} AND NOT EXISTS (SELECT 1 FROM photos p WHERE p.grave_id = g.id AND p.is_current)) AS "gravesWithoutPhoto",
       (SELECT count(*) FROM martyrs m LEFT JOIN graves g ON g.id = m.grave_id LEFT JOIN cemeteries c ON c.id = g.cemetery_id WHERE ${m.sql}) AS martyrs,
       (SELECT count(*) FROM submissions s WHERE s.status IN ('received', 'in_review', 'needs_info') AND ${s.sql}) AS "openSubmissions"`,
    [...c.bindings, ...c.bindings, ...c.bindings, ...m.bindings, ...s.bindings],
  );
  return rows[0]!;
}

export type AuditRow = {
  id: number; at: Date; action: string; entity_type: string; entity_id: number | null;
  before: Record<string, unknown> | null; after: Record<string, unknown> | null; reason: string | null;
  submission_id: number | null; actor_user_id: number | null; actor_name: string | null; actor_email: string | null;
};

export type AuditFilter = { actor?: string; entityType?: string; entityId?: number; from?: string; to?: string; page: number; perPage: number };

/**
 * Whether a record lies in the scope: the one check every history page and edit goes through.
 * Unknown and out-of-scope records look the same (false), so neither is revealed.
 */
export async function recordInScope(db: Knex, scope: Scope, entityType: string, entityId: number): Promise<boolean> {
  if (scope.national) return true;
  let sql: string;
  let bindings: Knex.Value[];
  if (entityType === 'cemetery') {
    const c = cemeteryInScope(scope);
    [sql, bindings] = [`SELECT 1 FROM cemeteries c WHERE c.id = ? AND ${c.sql}`, [entityId, ...c.bindings]];
  } else if (entityType === 'grave') {
    const c = cemeteryInScope(scope);
    [sql, bindings] = [`SELECT 1 FROM graves g JOIN cemeteries c ON c.id = g.cemetery_id WHERE g.id = ? AND ${c.sql}`, [entityId, ...c.bindings]];
  } else if (entityType === 'martyr') {
    const m = martyrInScope(scope);
    [sql, bindings] = [`SELECT 1 FROM martyrs m LEFT JOIN graves g ON g.id = m.grave_id LEFT JOIN cemeteries c ON c.id = g.cemetery_id WHERE m.id = ? AND ${m.sql}`, [entityId, ...m.bindings]];
  } else if (entityType === 'photo') {
    const c = cemeteryInScope(scope);
    [sql, bindings] = [`SELECT 1 FROM photos p JOIN graves g ON g.id = p.grave_id JOIN cemeteries c ON c.id = g.cemetery_id WHERE p.id = ? AND ${c.sql}`, [entityId, ...c.bindings]];
  } else if (entityType === 'submission') {
    const s = submissionInScope(scope);
    [sql, bindings] = [`SELECT 1 FROM submissions s WHERE s.id = ? AND ${s.sql}`, [entityId, ...s.bindings]];
  } else {
    return false;
  }
  const { rows } = await db.raw<{ rows: unknown[] }>(sql, bindings);
  return rows.length > 0;
}

const AUDIT_SELECT = `
  SELECT a.id, a.at, a.action, a.entity_type, a.entity_id, a.before, a.after, a.reason, a.submission_id,
         a.actor_user_id, u.display_name AS actor_name, u.email AS actor_email
  FROM audit_log a LEFT JOIN users u ON u.id = a.actor_user_id`;

/** The audit log with filters; national scope only (admins and ministry officers) sees it whole. */
export async function listAudit(db: Db, filter: AuditFilter): Promise<{ total: number; rows: AuditRow[] }> {
  const where = new Conditions();
  if (filter.actor) {
    const like = `%${filter.actor.replace(/[%_\\]/g, '\\$&')}%`;
    where.add('(u.email ILIKE ? OR u.username ILIKE ? OR u.display_name ILIKE ?)', like, like, like);
  }
  if (filter.entityType) where.add('a.entity_type = ?', filter.entityType);
  if (filter.entityId) where.add('a.entity_id = ?', filter.entityId);
  if (filter.from) where.add('a.at >= ?::date', filter.from);
  if (filter.to) where.add(`a.at < ?::date + interval '1 day'`, filter.to);
  const clause = where.where;
  const bindings = where.bindings;
  const [{ rows }, count] = await Promise.all([
    db.raw<{ rows: AuditRow[] }>(`${AUDIT_SELECT} ${clause} ORDER BY a.id DESC LIMIT ? OFFSET ?`, [...bindings, filter.perPage, (filter.page - 1) * filter.perPage]),
    db.raw<{ rows: { n: number }[] }>(`SELECT count(*) AS n FROM audit_log a LEFT JOIN users u ON u.id = a.actor_user_id ${clause}`, bindings),
  ]);
  return { total: Number(count.rows[0]!.n), rows };
}

/** A record's history, oldest first. */
export async function recordHistory(db: Db, entityType: string, entityId: number): Promise<AuditRow[]> {
  const { rows } = await db.raw<{ rows: AuditRow[] }>(`${AUDIT_SELECT} WHERE a.entity_type = ? AND a.entity_id = ? ORDER BY a.id`, [entityType, entityId]);
  return rows;
}
