/**
 * The SQL of follows and their mail: the outbox of changes (notification_events), fan-out into
 * notifications and rendered messages, the sender's leases, and forgetting addresses.
 * Followers' addresses are read here and by nothing public.
 */
import type { Knex } from '../db/knex.js';

/** The channel a committed change nudges the job queue on (pg_notify is delivered at commit only). */
export const NOTIFY_CHANNEL = 'mls_notifications';

export type FollowTargetType = 'martyr' | 'grave' | 'cemetery' | 'search' | 'submission' | 'request' | 'photo_request';
export type Cadence = 'immediate' | 'daily';

export type FollowRow = {
  id: number; email: string | null; locale: 'vi' | 'en'; target_type: FollowTargetType; target_id: number | null; target_key: string;
  target_path: string; search_params: Record<string, unknown> | null; label: string; cadence: Cadence; status: 'pending' | 'active' | 'ended';
  ended_reason: string | null; confirm_token: string; unsubscribe_token: string; created_at: Date; confirmed_at: Date | null;
};

export async function insertEventRow(trx: Knex, kind: string, subjects: string[], details: Record<string, unknown>): Promise<number> {
  const [row] = await trx('notification_events').insert({ kind, subjects, details: JSON.stringify(details) }).returning('id');
  await trx.raw('SELECT pg_notify(?, ?)', [NOTIFY_CHANNEL, String(row!.id)]);
  return Number(row!.id);
}

export type NewFollow = Pick<FollowRow, 'email' | 'locale' | 'target_type' | 'target_id' | 'target_key' | 'target_path' | 'label' | 'cadence' | 'confirm_token' | 'unsubscribe_token'> & { search_params: string | null };

/** The live follow of this address and target, if any (locked). */
export function liveFollow(trx: Knex, email: string, targetKey: string): Promise<FollowRow | undefined> {
  return trx('follows').where({ email, target_key: targetKey }).whereNot('status', 'ended').forUpdate().first();
}

export async function insertFollow(trx: Knex, follow: NewFollow): Promise<FollowRow> {
  const [row] = await trx('follows').insert(follow).returning('*');
  return row as FollowRow;
}

export function followByConfirmToken(trx: Knex, token: string): Promise<FollowRow | undefined> {
  return trx('follows').where({ confirm_token: token }).forUpdate().first();
}

export function followByUnsubscribeToken(trx: Knex, token: string): Promise<FollowRow | undefined> {
  return trx('follows').where({ unsubscribe_token: token }).forUpdate().first();
}

export async function activateFollow(trx: Knex, id: number): Promise<void> {
  await trx('follows').where({ id, status: 'pending' }).update({ status: 'active', confirmed_at: trx.fn.now() });
  // A confirmation asked for twice: the unsent copy has nothing left to ask.
  await trx('outgoing_mail').where({ follow_id: id, kind: 'confirm' }).whereNull('sent_at').whereNull('lease_until').del();
}

/**
 * Ends a follow. Messages not yet handed to the SMTP server are dropped, except one in a sender's
 * hands right now (leased); the address goes at once when none is, else after that one.
 */
export async function endFollow(trx: Knex, id: number, reason: 'unsubscribed' | 'fulfilled' | 'unconfirmed'): Promise<void> {
  await trx('follows').where({ id }).whereNot('status', 'ended').update({ status: 'ended', ended_reason: reason, ended_at: trx.fn.now() });
  if (reason !== 'fulfilled') {
    await trx('outgoing_mail').where({ follow_id: id }).whereNull('sent_at').where((q) => q.whereNull('lease_until').orWhere('lease_until', '<', trx.fn.now())).del();
  }
  await forgetAddressIfDone(trx, id);
}

/** An ended follow whose last message has left loses its address. */
export async function forgetAddressIfDone(trx: Knex, followId: number): Promise<void> {
  await trx.raw(
    `UPDATE follows f SET email = NULL
     WHERE f.id = ? AND f.status = 'ended' AND f.email IS NOT NULL
       AND NOT EXISTS (SELECT 1 FROM outgoing_mail m WHERE m.follow_id = f.id AND m.sent_at IS NULL AND m.parked_at IS NULL)`,
    [followId],
  );
}

export type NewMail = { follow_id: number; kind: 'confirm' | 'notice' | 'digest'; message_id: string; subject: string; text_body: string; html_body: string; unsubscribe_url: string | null };

export async function insertMails(trx: Knex, mails: NewMail[]): Promise<number[]> {
  if (!mails.length) return [];
  const rows = await trx('outgoing_mail').insert(mails).returning('id');
  return rows.map((r: { id: number }) => Number(r.id));
}

// ----- fan-out -----

export type EventRow = { id: number; kind: string; subjects: string[]; details: Record<string, unknown>; created_at: Date; attempts: number };

/** Attempts after which an event that keeps failing is no longer tried (it stays listed for staff). */
export const EVENT_MAX_ATTEMPTS = 10;

/** The oldest event not fanned out that no other worker holds, locked; `after` skips ones deferred this round. */
export function lockNextEvent(trx: Knex, after: number): Promise<EventRow | undefined> {
  return trx('notification_events').whereNull('fanned_out_at').where('id', '>', after).where('attempts', '<', EVENT_MAX_ATTEMPTS).orderBy('id').forUpdate().skipLocked().first();
}

export async function markEventFannedOut(trx: Knex, id: number): Promise<void> {
  await trx('notification_events').where({ id }).update({ fanned_out_at: trx.fn.now() });
}

export async function markEventFailed(db: Knex, id: number, error: string): Promise<void> {
  await db('notification_events').where({ id }).update({ attempts: db.raw('attempts + 1'), last_error: error.slice(0, 1000) });
}

/**
 * The next followers an event has not reached, one follow per address (someone following a grave
 * and its cemetery hears once: the address's oldest follow among the event's is the one told), in
 * id order. The choice per address never looks at notifications, so it stays one sort of the
 * event's followers however far the fan-out got; what was told is one primary-key probe each.
 */
export async function unreachedFollowers(trx: Knex, event: EventRow, limit: number): Promise<FollowRow[]> {
  const { rows } = await trx.raw<{ rows: FollowRow[] }>(
    `WITH chosen AS (
       SELECT DISTINCT ON (f.email) f.id FROM follows f
       WHERE f.status = 'active' AND f.target_key = ANY(?::text[])
       ORDER BY f.email, f.id
     )
     SELECT f.* FROM chosen c JOIN follows f ON f.id = c.id
     WHERE NOT EXISTS (SELECT 1 FROM notifications n WHERE n.follow_id = c.id AND n.event_id = ?)
     ORDER BY f.id
     LIMIT ?`,
    [event.subjects, event.id, limit],
  );
  return rows;
}

/** Saved searches not yet told of this event, in id order. */
export function unreachedSearchFollows(trx: Knex, eventId: number, afterId: number, limit: number): Promise<FollowRow[]> {
  return trx('follows as f')
    .where({ 'f.status': 'active', 'f.target_type': 'search' })
    .where('f.id', '>', afterId)
    .whereNotExists(trx('notifications as n').where('n.event_id', eventId).whereRaw('n.follow_id = f.id'))
    .orderBy('f.id')
    .limit(limit)
    .select('f.*');
}

export async function insertNotifications(trx: Knex, eventId: number, rows: Array<{ followId: number; mailId: number | null; silent: boolean }>): Promise<void> {
  if (!rows.length) return;
  await trx('notifications').insert(rows.map((r) => ({ follow_id: r.followId, event_id: eventId, mail_id: r.mailId, silent: r.silent }))).onConflict(['follow_id', 'event_id']).ignore();
}

/** Whether the search outbox still holds a change of this record (the index does not show it yet). */
export async function searchOutboxHolds(db: Knex, entityType: string, entityId: number): Promise<boolean> {
  return Boolean(await db('search_outbox').where({ entity_type: entityType, entity_id: entityId }).whereNull('processed_at').first('id'));
}

// ----- digests -----

/** Daily follows with notifications no message carried yet. */
export function followsDueForDigest(db: Knex, limit: number): Promise<FollowRow[]> {
  return db('follows as f')
    .where({ 'f.status': 'active', 'f.cadence': 'daily' })
    .whereExists(db('notifications as n').whereRaw('n.follow_id = f.id').whereNull('n.mail_id').where('n.silent', false))
    .orderBy('f.id')
    .limit(limit)
    .select('f.*');
}

export function unmailedEvents(trx: Knex, followId: number): Promise<EventRow[]> {
  return trx('notifications as n').join('notification_events as e', 'e.id', 'n.event_id').where('n.follow_id', followId).whereNull('n.mail_id').where('n.silent', false).orderBy('e.id').forUpdate().select('e.*');
}

export async function attachMail(trx: Knex, followId: number, eventIds: number[], mailId: number): Promise<void> {
  await trx('notifications').where({ follow_id: followId }).whereIn('event_id', eventIds).update({ mail_id: mailId });
  await trx('follows').where({ id: followId }).update({ last_digest_at: trx.fn.now() });
}

// ----- sending -----

export type ClaimedMail = { id: number; follow_id: number; kind: string; message_id: string; subject: string; text_body: string; html_body: string; unsubscribe_url: string | null; attempts: number; email: string };

/**
 * Leases up to `limit` messages that may go now: a confirmation to a pending address, anything
 * else only to a confirmed one. A lease that ran out (a sender died) is taken again, with the same
 * Message-ID.
 */
export async function claimMail(db: Knex, limit: number, leaseSeconds: number): Promise<ClaimedMail[]> {
  const { rows } = await db.raw<{ rows: ClaimedMail[] }>(
    `WITH picked AS (
       SELECT m.id FROM outgoing_mail m JOIN follows f ON f.id = m.follow_id
       WHERE m.sent_at IS NULL AND m.parked_at IS NULL AND (m.lease_until IS NULL OR m.lease_until < now())
         AND f.email IS NOT NULL
         AND ((m.kind = 'confirm' AND f.status = 'pending')
              OR (m.kind <> 'confirm' AND f.confirmed_at IS NOT NULL AND (f.status = 'active' OR f.ended_reason = 'fulfilled')))
       ORDER BY m.id LIMIT ? FOR UPDATE OF m SKIP LOCKED
     )
     UPDATE outgoing_mail m SET lease_until = now() + make_interval(secs => ?), attempts = m.attempts + 1
     FROM picked, follows f WHERE m.id = picked.id AND f.id = m.follow_id
     RETURNING m.id, m.follow_id, m.kind, m.message_id, m.subject, m.text_body, m.html_body, m.unsubscribe_url, m.attempts, f.email`,
    [limit, leaseSeconds],
  );
  return rows.map((r) => ({ ...r, id: Number(r.id), follow_id: Number(r.follow_id) }));
}

export async function markMailSent(trx: Knex, mailId: number, followId: number): Promise<void> {
  await trx('outgoing_mail').where({ id: mailId }).update({ sent_at: trx.fn.now(), lease_until: null, last_error: null });
  await forgetAddressIfDone(trx, followId);
}

/** A refused attempt: tried again after a pause growing with the attempts, parked after `maxAttempts`. */
export async function markMailFailed(trx: Knex, mailId: number, followId: number, error: string, maxAttempts: number): Promise<void> {
  await trx.raw(
    `UPDATE outgoing_mail SET last_error = ?,
       lease_until = now() + make_interval(secs => least(3600, 30 * attempts * attempts)),
       parked_at = CASE WHEN attempts >= ? THEN now() END
     WHERE id = ?`,
    [error.slice(0, 1000), maxAttempts, mailId],
  );
  await forgetAddressIfDone(trx, followId);
}

// ----- staff view -----

export type WaitingMail = { id: number; kind: string; subject: string; created_at: Date; attempts: number; last_error: string | null; parked_at: Date | null; email: string | null };

export async function waitingMailFigures(db: Knex): Promise<{ waiting: number; parked: number; pending_events: number; oldest: Date | null }> {
  const { rows } = await db.raw<{ rows: Array<{ waiting: string; parked: string; pending_events: string; oldest: Date | null }> }>(
    `SELECT (SELECT count(*) FROM outgoing_mail WHERE sent_at IS NULL AND parked_at IS NULL) AS waiting,
            (SELECT count(*) FROM outgoing_mail WHERE sent_at IS NULL AND parked_at IS NOT NULL) AS parked,
            (SELECT count(*) FROM notification_events WHERE fanned_out_at IS NULL) AS pending_events,
            (SELECT min(created_at) FROM outgoing_mail WHERE sent_at IS NULL) AS oldest`,
  );
  const r = rows[0]!;
  return { waiting: Number(r.waiting), parked: Number(r.parked), pending_events: Number(r.pending_events), oldest: r.oldest };
}

export function waitingMail(db: Knex, limit: number): Promise<WaitingMail[]> {
  return db('outgoing_mail as m').join('follows as f', 'f.id', 'm.follow_id').whereNull('m.sent_at').orderBy('m.id').limit(limit)
    .select('m.id', 'm.kind', 'm.subject', 'm.created_at', 'm.attempts', 'm.last_error', 'm.parked_at', 'f.email');
}

export async function unparkMail(db: Knex, mailId: number): Promise<boolean> {
  return (await db('outgoing_mail').where({ id: mailId }).whereNull('sent_at').whereNotNull('parked_at').update({ parked_at: null, attempts: 0, lease_until: null })) > 0;
}

// ----- upkeep -----

/** Confirmations nobody answered within the week: ended and forgotten. */
export async function expireUnconfirmed(db: Knex, days: number): Promise<number> {
  const { rows } = await db.raw<{ rows: { id: number }[] }>(
    `SELECT id FROM follows WHERE status = 'pending' AND created_at < now() - make_interval(days => ?)`,
    [days],
  );
  for (const { id } of rows) await db.transaction((trx) => endFollow(trx, Number(id), 'unconfirmed'));
  return rows.length;
}

/** Sent messages are kept a while for staff to answer "did it go?", then removed. */
export async function deleteOldSentMail(db: Knex, days: number): Promise<number> {
  return db('outgoing_mail').whereNotNull('sent_at').where('sent_at', '<', db.raw('now() - make_interval(days => ?)', [days])).del();
}

/** Ended follows with no address left and nothing to send: only their tokens remain, which answer "already unsubscribed". */
export async function deleteForgottenFollows(db: Knex, days: number): Promise<number> {
  return db('follows').where('status', 'ended').whereNull('email').where('ended_at', '<', db.raw('now() - make_interval(days => ?)', [days])).del();
}

export async function deleteOldEvents(db: Knex, days: number): Promise<number> {
  return db('notification_events').whereNotNull('fanned_out_at').where('created_at', '<', db.raw('now() - make_interval(days => ?)', [days]))
    .whereNotExists(db('notifications as n').whereRaw('n.event_id = notification_events.id').whereNull('n.mail_id').where('n.silent', false).whereExists(db('follows as f').whereRaw('f.id = n.follow_id').where('f.status', 'active'))).del();
}

// ----- subjects of records -----

/** The keys an event about a grave concerns: the grave, its cemetery and the public martyrs in it; none when its headstone is withheld. */
export async function graveSubjectKeys(db: Knex, graveId: number): Promise<string[]> {
  const { rows } = await db.raw<{ rows: Array<{ cemetery_id: number; withheld: boolean; martyr_ids: number[] | null }> }>(
    `SELECT g.cemetery_id, headstone_withheld(g.id) AS withheld,
            (SELECT array_agg(m.id ORDER BY m.id) FROM public_martyrs m WHERE m.grave_id = g.id) AS martyr_ids
     FROM graves g WHERE g.id = ?`,
    [graveId],
  );
  const g = rows[0];
  if (!g || g.withheld) return [];
  return [`grave:${graveId}`, `cemetery:${g.cemetery_id}`, ...(g.martyr_ids ?? []).map((id) => `martyr:${id}`)];
}

/** A public martyr's keys: the martyr, and their grave's unless its headstone is withheld; none for a confidential one. */
export async function martyrSubjectKeys(db: Knex, martyrId: number): Promise<string[]> {
  const { rows } = await db.raw<{ rows: Array<{ grave_id: number | null; cemetery_id: number | null; withheld: boolean | null }> }>(
    `SELECT m.grave_id, g.cemetery_id, CASE WHEN g.id IS NULL THEN NULL ELSE headstone_withheld(g.id) END AS withheld
     FROM public_martyrs m LEFT JOIN graves g ON g.id = m.grave_id WHERE m.id = ?`,
    [martyrId],
  );
  const m = rows[0];
  if (!m) return [];
  return [`martyr:${martyrId}`, ...(m.grave_id !== null && !m.withheld ? [`grave:${m.grave_id}`] : [])];
}

/** The events concerning any of these keys since a time, newest first (the tracking page). */
export function eventsAbout(db: Knex, keys: string[], since: Date, limit: number): Promise<Array<{ id: number; kind: string; created_at: Date; details: Record<string, unknown> }>> {
  return db('notification_events').whereRaw('subjects && ?::text[]', [keys]).where('created_at', '>', since).orderBy('id', 'desc').limit(limit).select('id', 'kind', 'created_at', 'details');
}

export async function touchTrackingVisit(db: Knex, code: string, sessionMinutes: number): Promise<Date> {
  // A visit within `sessionMinutes` of the last one is the same visit: reloading keeps "new" marked.
  const { rows } = await db.raw<{ rows: { shown_since: Date }[] }>(
    `INSERT INTO tracking_visits AS v (tracking_code, last_visit_at, shown_since) VALUES (?, now(), now() - interval '90 days')
     ON CONFLICT (tracking_code) DO UPDATE SET
       shown_since = CASE WHEN v.last_visit_at < now() - make_interval(mins => ?) THEN v.last_visit_at ELSE v.shown_since END,
       last_visit_at = now()
     RETURNING shown_since`,
    [code, sessionMinutes],
  );
  return rows[0]!.shown_since;
}

// ----- what can be followed (public records only) -----

export type TargetRecord = { label: string; cemeteryName?: string | null };

export function publicMartyrLabel(db: Knex, id: number): Promise<{ full_name: string } | undefined> {
  return db('public_martyrs').where({ id }).first('full_name');
}

export function publicGraveLabel(db: Knex, id: number): Promise<{ id: number; cemetery_name: string; row_label: string | null; plot_number: string | null; section_code: string | null; section_kind: string | null; has_photo: boolean } | undefined> {
  return db('public_graves as g').join('cemeteries as c', 'c.id', 'g.cemetery_id').leftJoin('cemetery_sections as s', 's.id', 'g.section_id').where('g.id', id)
    .first('g.id', 'c.name as cemetery_name', 'g.row_label', 'g.plot_number', 's.code as section_code', 's.kind as section_kind',
      db.raw('EXISTS (SELECT 1 FROM public_photos p WHERE p.grave_id = g.id AND p.is_current) AS has_photo'));
}

export function cemeteryName(db: Knex, id: number): Promise<{ name: string } | undefined> {
  return db('cemeteries').where({ id }).first('name');
}

export function submissionOfCode(db: Knex, code: string): Promise<{ id: number; tracking_code: string; martyr_id: number | null; grave_id: number | null } | undefined> {
  return db('submissions').where({ tracking_code: code }).first('id', 'tracking_code', 'martyr_id', 'grave_id');
}

export async function deleteOldTrackingVisits(db: Knex, days: number): Promise<number> {
  return db('tracking_visits').where('last_visit_at', '<', db.raw('now() - make_interval(days => ?)', [days])).del();
}
