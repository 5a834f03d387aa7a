/** Sessions in PostgreSQL, looked up by the hash of the cookie's token. */
import type { Db, Knex } from '../db/knex.js';
import type { RoleGrant } from './scope.js';
import { newToken, tokenHash } from './tokens.js';

export type SessionUser = {
  idHash: string;
  csrfToken: string;
  userId: number;
  email: string;
  username: string | null;
  displayName: string;
  locale: 'vi' | 'en';
  lastSeenAt: Date;
};

export type SessionTimes = { idleMinutes: number; absoluteHours: number };

/** A new session (a new id: never reuse one from before sign-in). Returns the cookie token. */
export async function createSession(trx: Knex, userId: number, times: SessionTimes, ip: string | null, userAgent: string | null): Promise<{ token: string; csrfToken: string }> {
  const token = newToken();
  const csrfToken = newToken();
  await trx('sessions').insert({
    id_hash: tokenHash(token),
    user_id: userId,
    csrf_token: csrfToken,
    expires_at: trx.raw(`now() + make_interval(hours => ?)`, [times.absoluteHours]),
    ip,
    user_agent: userAgent?.slice(0, 300) ?? null,
  });
  return { token, csrfToken };
}

/** The live session of an enabled account, or nothing. */
export async function findSession(db: Db, token: string, times: SessionTimes): Promise<SessionUser | undefined> {
  const { rows } = await db.raw<{ rows: SessionUser[] }>(
    `SELECT s.id_hash AS "idHash", s.csrf_token AS "csrfToken", s.last_seen_at AS "lastSeenAt",
            u.id AS "userId", u.email, u.username, u.display_name AS "displayName", u.locale
     FROM sessions s JOIN users u ON u.id = s.user_id
     WHERE s.id_hash = ? AND s.revoked_at IS NULL AND s.expires_at > now()
       AND s.last_seen_at > now() - make_interval(mins => ?)
       AND u.disabled_at IS NULL`,
    [tokenHash(token), times.idleMinutes],
  );
  return rows[0];
}

/** Idle expiry counts from the last request; written at most once a minute per session. */
export async function touchSession(db: Db, idHash: string): Promise<void> {
  await db.raw(`UPDATE sessions SET last_seen_at = now() WHERE id_hash = ? AND last_seen_at < now() - interval '1 minute'`, [idHash]);
}

export async function revokeSession(db: Knex, idHash: string): Promise<void> {
  await db('sessions').where({ id_hash: idHash }).whereNull('revoked_at').update({ revoked_at: db.raw('now()') });
}

/** Sign out everywhere: every session of the user ends. */
export async function revokeAllSessions(db: Knex, userId: number): Promise<number> {
  return db('sessions').where({ user_id: userId }).whereNull('revoked_at').update({ revoked_at: db.raw('now()') });
}

export async function rolesOf(db: Knex, userId: number): Promise<RoleGrant[]> {
  const rows = await db('user_roles').select('role', { provinceCode: 'province_code' }, { cemeteryId: 'cemetery_id' }, { communeCode: 'commune_code' }).where({ user_id: userId }).orderBy('id');
  // Grants without a commune keep the shape they always had (histories compare them as JSON).
  return rows.map(({ communeCode, ...r }: RoleGrant) => ({ ...r, cemeteryId: r.cemeteryId === null ? null : Number(r.cemeteryId), ...(communeCode ? { communeCode } : {}) }));
}

/** The account an identifier typed at sign-in names (email or username, either case), if any. */
export async function accountIdByIdentifier(db: Knex, identifier: string): Promise<number | undefined> {
  const key = identifier.trim().toLowerCase();
  const row = await db('users').where({ email: key }).orWhere({ username: key }).first('id');
  return row ? Number(row.id) : undefined;
}
