/**
 * The officers' side of family requests: candidates within scope (the grave's cemetery decides who
 * reviews; the hometown province's officers see their requests' candidates too), one candidate
 * side by side with its request (contacts included: officers call the family), and the writes a
 * decision makes. The tables are read here: this is staff code.
 */
import { cemeteryInScope, type Scope } from '../accounts/scope.js';
import { Conditions } from '../db/conditions.js';
import type { Knex } from '../db/knex.js';

/** Candidates an officer sees: of graves in the scope's cemeteries, or of requests routed to the scope's provinces. */
function candidateVisible(scope: Scope): { sql: string; bindings: Knex.Value[] } {
  if (scope.national) return { sql: 'TRUE', bindings: [] };
  const c = cemeteryInScope(scope, 'c');
  return { sql: `(${c.sql} OR r.province_code = ANY(?))`, bindings: [...c.bindings, scope.provinceCodes] };
}

export type QueueFilter = { status?: string; page: number; perPage: number };

export async function candidateQueue(db: Knex, scope: Scope, filter: QueueFilter) {
  const visible = candidateVisible(scope);
  const where = new Conditions().add(visible.sql, ...visible.bindings);
  if (filter.status) where.add('k.status = ?', filter.status);
  const from = `FROM family_request_candidates k JOIN family_requests r ON r.id = k.request_id JOIN graves g ON g.id = k.grave_id
    JOIN cemeteries c ON c.id = g.cemetery_id JOIN provinces p ON p.code = c.province_code`;
  const [items, total] = await Promise.all([
    db.raw(
      `SELECT k.id, k.score, k.status, k.created_at, k.found_by, r.tracking_code, r.full_name, g.id AS grave_id, c.name AS cemetery_name, p.name AS province_name
       ${from} ${where.where} ORDER BY k.score DESC, k.id LIMIT ? OFFSET ?`,
      [...where.bindings, filter.perPage, (filter.page - 1) * filter.perPage],
    ),
    db.raw(`SELECT count(*) AS n ${from} ${where.where}`, where.bindings),
  ]);
  return { items: items.rows as Array<Record<string, unknown>>, total: Number(total.rows[0].n) };
}

export type CandidateDetail = {
  id: number; request_id: number; grave_id: number; score: number; reasons: unknown; status: string; version: number; decision_reason: string | null;
  found_by: string; created_at: Date; decided_at: Date | null;
  tracking_code: string; request_status: string; full_name: string; hometown_text: string | null; unit: string | null; rank: string | null; birth_year: number | null;
  death_year: number | null; death_month: number | null; death_day: number | null; place_of_death: string | null; martyr_id: number | null;
  requester_name: string; requester_phone: string | null; requester_email: string | null; requester_relation: string | null; request_province: string;
  grave_state: string; inscription: string | null; known_name: string | null; known_unit: string | null; known_hometown: string | null; known_place_of_death: string | null;
  known_death_year: number | null; known_death_month: number | null; known_death_day: number | null; row_label: string | null; plot_number: string | null;
  cemetery_id: number; cemetery_name: string; cemetery_province: string; decides: boolean;
};

/** One candidate the scope sees (else undefined), with whether the scope may decide on it; locked to decide. */
export async function candidateById(db: Knex, scope: Scope, id: number, lock = false): Promise<CandidateDetail | undefined> {
  const visible = candidateVisible(scope);
  const decides = cemeteryInScope(scope, 'c');
  const { rows } = await db.raw<{ rows: CandidateDetail[] }>(
    `SELECT k.id, k.request_id, k.grave_id, k.score, k.reasons, k.status, k.version, k.decision_reason, k.found_by, k.created_at, k.decided_at,
            r.tracking_code, r.status AS request_status, r.full_name, r.hometown_text, r.unit, r.rank, r.birth_year, r.death_year, r.death_month, r.death_day,
            r.place_of_death, r.martyr_id, r.requester_name, r.requester_phone, r.requester_email, r.requester_relation, rp.name AS request_province,
            g.state AS grave_state, g.inscription, g.known_name, g.known_unit, g.known_hometown, g.known_place_of_death, g.known_death_year, g.known_death_month,
            g.known_death_day, g.row_label, g.plot_number, c.id AS cemetery_id, c.name AS cemetery_name, cp.name AS cemetery_province,
            (${decides.sql}) AS decides
     FROM family_request_candidates k JOIN family_requests r ON r.id = k.request_id JOIN provinces rp ON rp.code = r.province_code
     JOIN graves g ON g.id = k.grave_id JOIN cemeteries c ON c.id = g.cemetery_id JOIN provinces cp ON cp.code = c.province_code
     WHERE k.id = ? AND ${visible.sql}${lock ? ' FOR UPDATE OF k, r' : ''}`,
    [...decides.bindings, id, ...visible.bindings],
  );
  return rows[0];
}

/** Moves a proposed candidate on if its version is still this one; false when someone acted first. */
export async function decideCandidate(trx: Knex, id: number, version: number, status: string, reason: string | null, userId: number): Promise<boolean> {
  const n = await trx('family_request_candidates').where({ id, version, status: 'proposed' })
    .update({ status, decision_reason: reason, decided_by: userId, decided_at: trx.fn.now(), updated_at: trx.fn.now(), version: trx.raw('version + 1') });
  return n > 0;
}

export function graveForConfirm(trx: Knex, graveId: number): Promise<{ id: number; state: string } | undefined> {
  return trx('graves').where({ id: graveId }).forUpdate().first('id', 'state');
}

export function martyrForConfirm(trx: Knex, martyrId: number): Promise<{ id: number; grave_id: number | null } | undefined> {
  return trx('martyrs').where({ id: martyrId }).forUpdate().first('id', 'grave_id');
}

export async function insertMartyrFromNotice(trx: Knex, columns: Record<string, unknown>): Promise<number> {
  const [row] = await trx('martyrs').insert({ ...columns, source: 'staff' }).returning('id');
  return Number(row!.id);
}

export async function linkMartyrToGrave(trx: Knex, martyrId: number, graveId: number): Promise<void> {
  await trx('martyrs').where({ id: martyrId }).update({ grave_id: graveId, updated_at: trx.fn.now() });
  await trx('graves').where({ id: graveId }).update({ state: 'identified', updated_at: trx.fn.now() });
}

export async function markRequestFound(trx: Knex, requestId: number, martyrId: number): Promise<void> {
  await trx('family_requests').where({ id: requestId }).update({ status: 'found', martyr_id: martyrId, updated_at: trx.fn.now() });
}

/** The other proposals of the request, and of the grave to other requests, end with a confirmation. */
export async function withdrawOthers(trx: Knex, requestId: number, graveId: number, keepId: number): Promise<void> {
  await trx('family_request_candidates').where({ status: 'proposed' }).whereNot({ id: keepId })
    .andWhere((q) => q.where({ request_id: requestId }).orWhere({ grave_id: graveId }))
    .update({ status: 'withdrawn', updated_at: trx.fn.now(), version: trx.raw('version + 1') });
}

export function staffRequestEvents(db: Knex, requestId: number) {
  return db('family_request_events as e').leftJoin('users as u', 'u.id', 'e.actor_user_id').where('e.request_id', requestId).orderBy('e.id')
    .select('e.kind', 'e.at', 'e.public_message', 'e.candidate_id', 'u.display_name');
}
