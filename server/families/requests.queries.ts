/**
 * The SQL of family requests: storing one with its first event, the martyr records a notice may
 * name (public_martyrs only), and what the tracking page reads (public views only: the grave
 * through public_graves, the martyr through public_martyrs, nothing of the requester).
 */
import type { Knex } from '../db/knex.js';

export type NewRequest = {
  tracking_code: string; province_code: string; martyr_id: number | null; full_name: string; hometown_text: string | null; unit: string | null;
  rank: string | null; birth_year: number | null; death_year: number | null; death_month: number | null; death_day: number | null;
  place_of_death: string | null; requester_name: string; requester_phone: string | null; requester_email: string | null;
  requester_relation: string | null; requester_ip: string | null;
};

export async function insertRequest(trx: Knex, request: NewRequest): Promise<number> {
  const [row] = await trx('family_requests').insert(request).returning('id');
  const id = Number(row!.id);
  await trx('family_request_events').insert({ request_id: id, kind: 'received' });
  return id;
}

export type RecordRow = {
  id: number; full_name: string; hometown_text: string | null; hometown_province_code: string | null; death_year: number | null; death_month: number | null;
  death_day: number | null; unit: string | null; grave_id: number | null; cemetery_name: string | null; name_exact: boolean;
};

/** Public martyr records whose name (or alias) holds the folded name, with their grave's cemetery. */
export async function recordsByName(db: Knex, foldedName: string, limit: number): Promise<RecordRow[]> {
  const { rows } = await db.raw<{ rows: RecordRow[] }>(
    `SELECT m.id, m.full_name, m.hometown_text, m.hometown_province_code, m.death_year, m.death_month, m.death_day, m.unit, m.grave_id,
            c.name AS cemetery_name, fold_vietnamese(m.full_name) = ? AS name_exact
     FROM public_martyrs m LEFT JOIN public_graves g ON g.id = m.grave_id LEFT JOIN cemeteries c ON c.id = g.cemetery_id
     WHERE m.name_folded LIKE ? ORDER BY m.id LIMIT ?`,
    [foldedName, `%${foldedName.replace(/[\\%_]/g, (ch) => `\\${ch}`)}%`, limit],
  );
  return rows;
}

export type TrackedRequest = {
  id: number; tracking_code: string; status: string; created_at: Date; province_name: string; full_name: string; unit: string | null;
  death_year: number | null; death_month: number | null; death_day: number | null; place_of_death: string | null; hometown_text: string | null;
  martyr_id: number | null; martyr_name: string | null; martyr_grave_id: number | null;
};

/** The request of a tracking code, with its martyr only when that record is public. */
export async function requestByTrackingCode(db: Knex, code: string): Promise<TrackedRequest | undefined> {
  const { rows } = await db.raw<{ rows: TrackedRequest[] }>(
    `SELECT r.id, r.tracking_code, r.status, r.created_at, p.name AS province_name, r.full_name, r.unit, r.death_year, r.death_month, r.death_day,
            r.place_of_death, r.hometown_text, m.id AS martyr_id, m.full_name AS martyr_name, m.grave_id AS martyr_grave_id
     FROM family_requests r JOIN provinces p ON p.code = r.province_code LEFT JOIN public_martyrs m ON m.id = r.martyr_id
     WHERE r.tracking_code = ?`, [code],
  );
  return rows[0];
}

export type PublicCandidate = {
  id: number; grave_id: number; score: number; reasons: unknown; status: string; found_by: string; created_at: Date;
  state: string; known_unit: string | null; known_place_of_death: string | null; known_death_year: number | null; known_death_month: number | null;
  known_death_day: number | null; known_name: string | null; cemetery_id: number; cemetery_name: string; province_name: string;
};

/** The candidates a family sees, best first, each grave as the public sees it. */
export async function publicCandidates(db: Knex, requestId: number): Promise<PublicCandidate[]> {
  const { rows } = await db.raw<{ rows: PublicCandidate[] }>(
    `SELECT k.id, k.grave_id, k.score, k.reasons, k.status, k.found_by, k.created_at, g.state, g.known_unit, g.known_place_of_death,
            g.known_death_year, g.known_death_month, g.known_death_day, g.known_name, c.id AS cemetery_id, c.name AS cemetery_name, p.name AS province_name
     FROM family_request_candidates k JOIN public_graves g ON g.id = k.grave_id JOIN cemeteries c ON c.id = g.cemetery_id JOIN provinces p ON p.code = c.province_code
     WHERE k.request_id = ? AND k.status <> 'withdrawn' ORDER BY (k.status = 'confirmed') DESC, k.score DESC, k.grave_id`, [requestId],
  );
  return rows;
}

/** The timeline the family sees: kinds, times, public messages; never who acted. */
export function publicRequestEvents(db: Knex, requestId: number): Promise<{ kind: string; at: Date; message: string | null; candidate_id: number | null }[]> {
  return db('family_request_events').where({ request_id: requestId }).orderBy('id').select('kind', 'at', { message: 'public_message' }, 'candidate_id');
}
