/**
 * The public side's SQL for submissions: what one is about (public records only), storing it with
 * its files and first event, the tracking page's read, and the sender's one answer.
 */
import type { Knex } from '../db/knex.js';
import type { martyrSnapshot, SubmissionKind } from './proposal.js';

export type MartyrRow = Parameters<typeof martyrSnapshot>[0] & { id: number; grave_id: number | null; hometown_province_code: string | null; cemetery_province_code: string | null };

/** A public martyr with the province of the cemetery they lie in, if any (a confidential one is not found). */
export async function publicMartyrWithCemetery(db: Knex, martyrId: number): Promise<MartyrRow | undefined> {
  const { rows } = await db.raw<{ rows: MartyrRow[] }>(
    `SELECT m.*, c.province_code AS cemetery_province_code
     FROM public_martyrs m LEFT JOIN graves g ON g.id = m.grave_id LEFT JOIN cemeteries c ON c.id = g.cemetery_id
     WHERE m.id = ?`,
    [martyrId],
  );
  return rows[0];
}

export function graveWithCemetery(db: Knex, graveId: number): Promise<{ id: number; state: string; cemetery_id: number; name: string; province_code: string } | undefined> {
  return db('graves as g').join('cemeteries as c', 'c.id', 'g.cemetery_id').where('g.id', graveId).first('g.id', 'g.state', 'g.cemetery_id', 'c.name', 'c.province_code');
}

export function cemeteryById(db: Knex, cemeteryId: number): Promise<{ id: number; name: string; province_code: string } | undefined> {
  return db('cemeteries').where({ id: cemeteryId }).first('id', 'name', 'province_code');
}

export type NewSubmission = {
  tracking_code: string;
  kind: SubmissionKind;
  status: 'received';
  martyr_id: number | null;
  grave_id: number | null;
  cemetery_id: number | null;
  province_code: string | null;
  stated_province_code: string | null;
  sender_name: string;
  sender_contact: string;
  sender_relation: string | null;
  sender_ip: string | null;
  message: string;
  /** JSON text. */
  proposed: string;
  /** JSON text. */
  record_snapshot: string | null;
};

export type NewEvidenceFile = { storageKey: string; mediaType: string; bytes: number; contentHash: string; width: number | null; height: number | null };

/** The submission, its evidence files and its 'received' event; the tracking code's uniqueness is the caller's to retry on. */
export async function insertSubmission(trx: Knex, submission: NewSubmission, files: NewEvidenceFile[]): Promise<number> {
  const [row] = await trx('submissions').insert(submission).returning('id');
  const submissionId = Number(row!.id);
  if (files.length) {
    await trx('submission_files').insert(
      files.map((e) => ({ submission_id: submissionId, storage_key: e.storageKey, media_type: e.mediaType, bytes: e.bytes, content_hash: e.contentHash, width: e.width, height: e.height })),
    );
  }
  await trx('submission_events').insert({ submission_id: submissionId, kind: 'received' });
  return submissionId;
}

export type TrackedSubmission = {
  id: number; tracking_code: string; kind: SubmissionKind; status: string; created_at: Date; grave_id: number | null;
  info_request: string | null; answered_at: Date | null; martyr_id: number | null; full_name: string | null;
};

/** The submission of a tracking code, with its martyr's name only when that record is public. */
export function submissionByTrackingCode(db: Knex, code: string): Promise<TrackedSubmission | undefined> {
  return db('submissions as s')
    .leftJoin('public_martyrs as m', 'm.id', 's.martyr_id')
    .where('s.tracking_code', code)
    .first('s.id', 's.tracking_code', 's.kind', 's.status', 's.created_at', 's.grave_id', 's.info_request', 's.answered_at', 'm.id as martyr_id', 'm.full_name');
}

/** The timeline the sender sees: each event's kind, time and public message, nothing about who acted. */
export function publicEvents(db: Knex, submissionId: number): Promise<{ kind: string; at: Date; message: string | null }[]> {
  return db('submission_events').where({ submission_id: submissionId }).orderBy('id').select('kind', 'at', { message: 'public_message' });
}

export function lockByTrackingCode(trx: Knex, code: string): Promise<{ id: number; status: string; answered_at: Date | null } | undefined> {
  return trx('submissions').where({ tracking_code: code }).forUpdate().first('id', 'status', 'answered_at');
}

/** The sender's answer puts the submission back in review. */
export async function storeAnswer(trx: Knex, submissionId: number, answer: string): Promise<void> {
  await trx('submissions').where({ id: submissionId }).update({ answer, answered_at: trx.fn.now(), status: 'in_review', version: trx.raw('version + 1'), updated_at: trx.fn.now() });
  await trx('submission_events').insert({ submission_id: submissionId, kind: 'answered' });
}
