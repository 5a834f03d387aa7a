/** Accounts in PostgreSQL: users, their role grants, and one-time password-reset links. */
import type { Knex } from '../db/knex.js';
import type { RoleGrant } from './scope.js';

export type UserRow = {
  id: number | string;
  email: string;
  username: string | null;
  display_name: string;
  locale: string;
  password_hash: string;
  disabled_at: Date | null;
  created_at: Date;
};

export type GrantRow = { user_id: number; role: string; province_code: string | null; cemetery_id: number | null; commune_code: string | null };

export type ResetRow = { token_hash: string; user_id: number | string };

export async function userById(db: Knex, id: number, lock = false): Promise<UserRow | undefined> {
  const query = db('users').where({ id });
  return lock ? query.forUpdate().first() : query.first();
}

/** The account an identifier typed at sign-in names: its email or its username (already lower case). */
export function userByIdentifier(db: Knex, key: string): Promise<UserRow | undefined> {
  return db('users').where({ email: key }).orWhere({ username: key }).first();
}

/** Whether an account already has this email, or this username when one is given. */
export async function accountTaken(db: Knex, email: string, username: string | null): Promise<boolean> {
  return Boolean(await db('users').where({ email }).orWhere(username ? { username } : { email }).first('id'));
}

export function allUsers(db: Knex): Promise<UserRow[]> {
  return db('users').orderBy('id');
}

/** Every grant of every account, in the order they were given. */
export async function allGrants(db: Knex): Promise<(RoleGrant & { userId: number })[]> {
  const rows = await db('user_roles').select({ userId: 'user_id' }, 'role', { provinceCode: 'province_code' }, { cemeteryId: 'cemetery_id' }, { communeCode: 'commune_code' }).orderBy('id');
  return rows.map((g) => ({ userId: Number(g.userId), role: g.role, provinceCode: g.provinceCode, cemeteryId: g.cemeteryId === null ? null : Number(g.cemeteryId), communeCode: g.communeCode }));
}

export async function communeExists(db: Knex, code: string): Promise<boolean> {
  return Boolean(await db('communes').where({ code }).first('code'));
}

export async function cemeteryExists(db: Knex, id: number): Promise<boolean> {
  return Boolean(await db('cemeteries').where({ id }).first('id'));
}

export async function insertUser(trx: Knex, values: { email: string; username: string | null; display_name: string; locale: string; password_hash: string }): Promise<number> {
  const [row] = await trx('users').insert(values).returning('id');
  return Number(row!.id);
}

export async function insertGrants(trx: Knex, grants: GrantRow[]): Promise<void> {
  if (grants.length) await trx('user_roles').insert(grants);
}

/** Replaces the account's grants with these. */
export async function replaceGrants(trx: Knex, userId: number, grants: GrantRow[]): Promise<void> {
  await trx('user_roles').where({ user_id: userId }).del();
  await insertGrants(trx, grants);
}

export async function setUserDisabled(trx: Knex, userId: number, disabled: boolean): Promise<void> {
  await trx('users').where({ id: userId }).update({ disabled_at: disabled ? trx.fn.now() : null, updated_at: trx.fn.now() });
}

export async function setPasswordHash(trx: Knex, userId: number, passwordHash: string): Promise<void> {
  await trx('users').where({ id: userId }).update({ password_hash: passwordHash, password_changed_at: trx.fn.now(), updated_at: trx.fn.now() });
}

export async function insertReset(trx: Knex, reset: { tokenHash: string; userId: number; createdBy: number | null; hours: number }): Promise<void> {
  await trx('password_resets').insert({
    token_hash: reset.tokenHash,
    user_id: reset.userId,
    created_by: reset.createdBy,
    expires_at: trx.raw(`now() + make_interval(hours => ?)`, [reset.hours]),
  });
}

/** The unused, unexpired reset with this token hash; locked when it is about to be used. */
export async function liveReset(db: Knex, tokenHash: string, lock = false): Promise<ResetRow | undefined> {
  const query = db('password_resets').where({ token_hash: tokenHash }).whereNull('used_at').where('expires_at', '>', db.fn.now());
  return lock ? query.forUpdate().first('token_hash', 'user_id') : query.first('token_hash', 'user_id');
}

export async function markResetUsed(trx: Knex, tokenHash: string): Promise<void> {
  await trx('password_resets').where({ token_hash: tokenHash }).update({ used_at: trx.fn.now() });
}
