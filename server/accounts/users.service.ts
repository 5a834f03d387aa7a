/**
 * Accounts: sign-in, creating and disabling accounts, roles with their jurisdiction, passwords and
 * one-time reset links. Every change is audited in its own transaction; services take plain
 * values, never Express objects.
 */
import { provinceExists } from '../places/places.queries.js';
import type { Db, Knex } from '../db/knex.js';
import { writeAudit } from '../audit/audit.js';
import { Conflict, InvalidInput, NotFound } from '../http/errors.js';
import { checkPassword, hashPassword, verifyNothing, verifyPassword, type PasswordProblem } from './passwords.js';
import { ROLES, type Role, type RoleGrant } from './scope.js';
import { createSession, revokeAllSessions, rolesOf, type SessionTimes } from './sessions.queries.js';
import { newToken, tokenHash } from './tokens.js';
import {
  accountTaken, allGrants, allUsers, cemeteryExists, communeExists, insertGrants, insertReset as insertResetRow, insertUser, liveReset, markResetUsed,
  replaceGrants, setPasswordHash, setUserDisabled, userById, userByIdentifier, type GrantRow, type UserRow,
} from './users.queries.js';

export const RESET_LINK_HOURS = 24;

export type Actor = { userId: number | null; ip: string | null };

export class PasswordRejected extends InvalidInput {
  constructor(readonly problem: PasswordProblem) {
    super(`The password is ${problem.replace('_', ' ')}.`, undefined, `password_${problem}`);
  }
}

/** The current password typed to change it is not the account's. */
export class WrongPassword extends InvalidInput {
  constructor() {
    super('The current password is not right.', undefined, 'wrong_password');
  }
}

/** A reset link that has expired, has been used, or never was. */
export class ResetLinkInvalid extends InvalidInput {
  constructor() {
    super('This link has expired or has already been used.', undefined, 'reset_link_invalid');
  }
}

/** A request the account rules refuse (an unknown role, a grant without its place, disabling oneself). */
const refused = (message: string) => new InvalidInput(message, undefined, 'bad_request');

export type PublicUser = {
  id: number;
  email: string;
  username: string | null;
  displayName: string;
  locale: string;
  disabledAt: Date | null;
  createdAt: Date;
  roles: RoleGrant[];
};

const normalizeEmail = (email: string) => email.trim().toLowerCase();

function publicUser(row: UserRow, roles: RoleGrant[]): PublicUser {
  return { id: Number(row.id), email: row.email, username: row.username, displayName: row.display_name, locale: row.locale, disabledAt: row.disabled_at, createdAt: row.created_at, roles };
}

export async function findUser(db: Knex, id: number): Promise<PublicUser | undefined> {
  const row = await userById(db, id);
  return row ? publicUser(row, await rolesOf(db, Number(row.id))) : undefined;
}

export async function listUsers(db: Db): Promise<PublicUser[]> {
  const [rows, grants] = [await allUsers(db), await allGrants(db)];
  return rows.map((row) => publicUser(row, grants.filter((g) => g.userId === Number(row.id)).map(({ role, provinceCode, cemeteryId, communeCode }) => ({ role, provinceCode, cemeteryId, communeCode }))));
}

async function validateGrants(trx: Knex, grants: RoleGrant[]): Promise<void> {
  for (const g of grants) {
    if (!(ROLES as readonly string[]).includes(g.role)) throw refused(`unknown role ${g.role}`);
    if (g.role === 'province_officer') {
      if (!g.provinceCode || !(await provinceExists(trx, g.provinceCode))) throw refused('a province officer needs a current province');
    } else if (g.role === 'cemetery_staff') {
      if (!g.cemeteryId || !(await cemeteryExists(trx, g.cemeteryId))) throw refused('cemetery staff need a cemetery');
    } else if (g.role === 'commune_officer') {
      if (!g.communeCode || !(await communeExists(trx, g.communeCode))) throw refused('a commune officer needs a 2025 commune');
    }
  }
}

const grantRows = (userId: number, grants: RoleGrant[]): GrantRow[] =>
  grants.map((g) => ({
    user_id: userId,
    role: g.role,
    province_code: g.role === 'province_officer' ? g.provinceCode : null,
    cemetery_id: g.role === 'cemetery_staff' ? g.cemeteryId : null,
    commune_code: g.role === 'commune_officer' ? (g.communeCode ?? null) : null,
  }));

/**
 * Creates an account with no usable password and returns a one-time link to set one: there is no
 * mail server here, so the link is shown to whoever created the account.
 */
export async function createUser(
  db: Db,
  actor: Actor,
  input: { email: string; username?: string | null; displayName: string; locale?: 'vi' | 'en'; grants: RoleGrant[]; password?: string },
): Promise<{ user: PublicUser; resetToken: string | undefined }> {
  const email = normalizeEmail(input.email);
  const username = input.username?.trim().toLowerCase() || null;
  if (input.password !== undefined) {
    const problem = checkPassword(input.password, [email, username ?? '', input.displayName]);
    if (problem) throw new PasswordRejected(problem);
  }
  return db.transaction(async (trx) => {
    if (await accountTaken(trx, email, username)) throw new Conflict('account_exists', 'An account with this email or username already exists.');
    await validateGrants(trx, input.grants);
    // An unusable hash: nobody can sign in before setting a password through the link.
    const passwordHash = input.password !== undefined ? await hashPassword(input.password) : `!unset:${newToken(16)}`;
    const userId = await insertUser(trx, { email, username, display_name: input.displayName.trim(), locale: input.locale ?? 'vi', password_hash: passwordHash });
    await insertGrants(trx, grantRows(userId, input.grants));
    await writeAudit(trx, {
      actorUserId: actor.userId,
      action: 'user.create',
      entityType: 'user',
      entityId: userId,
      after: { email, username, displayName: input.displayName, roles: input.grants },
      ip: actor.ip,
    });
    const resetToken = input.password === undefined ? await insertReset(trx, userId, actor.userId) : undefined;
    return { user: (await findUser(trx, userId))!, resetToken };
  });
}

async function insertReset(trx: Knex, userId: number, createdBy: number | null): Promise<string> {
  const token = newToken();
  await insertResetRow(trx, { tokenHash: tokenHash(token), userId, createdBy, hours: RESET_LINK_HOURS });
  return token;
}

export async function setRoles(db: Db, actor: Actor, userId: number, grants: RoleGrant[], reason: string | null): Promise<void> {
  await db.transaction(async (trx) => {
    const before = await rolesOf(trx, userId);
    if (!(await userById(trx, userId))) throw new NotFound();
    await validateGrants(trx, grants);
    await replaceGrants(trx, userId, grantRows(userId, grants));
    await writeAudit(trx, { actorUserId: actor.userId, action: 'user.roles', entityType: 'user', entityId: userId, before: { roles: before }, after: { roles: grants }, reason, ip: actor.ip });
  });
}

/** A disabled account cannot act, even with a session that is still open. */
export async function setDisabled(db: Db, actor: Actor, userId: number, disabled: boolean, reason: string | null): Promise<void> {
  await db.transaction(async (trx) => {
    const user = await userById(trx, userId, true);
    if (!user) throw new NotFound();
    if (disabled && userId === actor.userId) throw refused('You cannot disable your own account.');
    await setUserDisabled(trx, userId, disabled);
    if (disabled) await revokeAllSessions(trx, userId);
    await writeAudit(trx, {
      actorUserId: actor.userId,
      action: disabled ? 'user.disable' : 'user.enable',
      entityType: 'user',
      entityId: userId,
      before: { disabled: user.disabled_at !== null },
      after: { disabled },
      reason,
      ip: actor.ip,
    });
  });
}

export async function issueResetLink(db: Db, actor: Actor, userId: number): Promise<string> {
  return db.transaction(async (trx) => {
    if (!(await userById(trx, userId))) throw new NotFound();
    const token = await insertReset(trx, userId, actor.userId);
    await writeAudit(trx, { actorUserId: actor.userId, action: 'user.reset_link', entityType: 'user', entityId: userId, ip: actor.ip });
    return token;
  });
}

async function storePassword(trx: Knex, userId: number, password: string): Promise<void> {
  const user = (await userById(trx, userId))!;
  const problem = checkPassword(password, [user.email, user.username ?? '', user.display_name]);
  if (problem) throw new PasswordRejected(problem);
  await setPasswordHash(trx, userId, await hashPassword(password));
  // Every other session ends with the old password.
  await revokeAllSessions(trx, userId);
}

export async function changePassword(db: Db, actor: Actor & { userId: number }, current: string, next: string): Promise<void> {
  await db.transaction(async (trx) => {
    const user = await userById(trx, actor.userId);
    if (!user || !(await verifyPassword(user.password_hash, current))) throw new WrongPassword();
    await storePassword(trx, actor.userId, next);
    await writeAudit(trx, { actorUserId: actor.userId, action: 'user.password_change', entityType: 'user', entityId: actor.userId, ip: actor.ip });
  });
}

/** Sets a password through a one-time link; the link then no longer works. */
export async function resetPassword(db: Db, token: string, next: string, ip: string | null): Promise<number> {
  return db.transaction(async (trx) => {
    const reset = await liveReset(trx, tokenHash(token), true);
    if (!reset) throw new ResetLinkInvalid();
    const userId = Number(reset.user_id);
    await storePassword(trx, userId, next);
    await markResetUsed(trx, reset.token_hash);
    await writeAudit(trx, { actorUserId: userId, action: 'user.password_reset', entityType: 'user', entityId: userId, ip });
    return userId;
  });
}

export async function resetLinkIsValid(db: Db, token: string): Promise<boolean> {
  return Boolean(await liveReset(db, tokenHash(token)));
}

export type SignInResult = { ok: true; token: string; csrfToken: string; userId: number } | { ok: false };

/** Checks the password and opens a new session; failures are audited but never say which part was wrong. */
export async function signIn(db: Db, identifier: string, password: string, times: SessionTimes, ip: string | null, userAgent: string | null): Promise<SignInResult> {
  const key = identifier.trim().toLowerCase();
  const user = await userByIdentifier(db, key);
  const ok = user && !user.disabled_at ? await verifyPassword(user.password_hash, password) : await verifyNothing(password);
  if (!ok || !user) {
    // What was typed is kept only when it names an account: a password typed into the identifier
    // box by mistake must not end up in the audit log, which is never erased.
    await db.transaction((trx) =>
      writeAudit(trx, { actorUserId: null, action: 'session.sign_in_failed', entityType: 'session', entityId: user ? Number(user.id) : null, ...(user ? { after: { identifier: key.slice(0, 200) } } : {}), ip }),
    );
    return { ok: false };
  }
  return db.transaction(async (trx) => {
    const session = await createSession(trx, Number(user.id), times, ip, userAgent);
    await writeAudit(trx, { actorUserId: Number(user.id), action: 'session.sign_in', entityType: 'session', entityId: Number(user.id), ip });
    return { ok: true, userId: Number(user.id), ...session };
  });
}

export function parseRole(value: string): Role {
  if (!(ROLES as readonly string[]).includes(value)) throw refused(`unknown role ${value}`);
  return value as Role;
}
