/**
 * Sign-in throttling, per account and per address, counted in PostgreSQL so that every app server
 * sees the same numbers. An attempt takes its place before the password is checked (atomically:
 * twenty wrong passwords sent at once are not all checked) and gives it back when it succeeds.
 * An account counts once whether typed as its email or its username; a name that is no account
 * counts as typed. The answer never says whether the account exists.
 */
import { createHash } from 'node:crypto';
import type { Db } from '../db/knex.js';
import { returnHits, takeHits, type Limit } from '../limits/rate-limit.queries.js';
import { accountIdByIdentifier } from './sessions.queries.js';

export const WINDOW_MINUTES = 15;
export const MAX_FAILURES_PER_ACCOUNT = 5;
export const MAX_FAILURES_PER_ADDRESS = 20;

export type SignInAttempt = { ok: true; hitIds: number[] } | { ok: false; retryAfterSeconds: number };

/**
 * What was typed is kept only as a digest: a name that is no account is often a password typed in
 * the wrong box, and it must not be stored (issue #12). Folded so that case does not make a new key.
 */
const typedKey = (identifier: string) => `sign-in:typed:${createHash('sha256').update(identifier.trim().toLowerCase()).digest('hex')}`;

function limitsFor(accountId: number | undefined, identifier: string, ip: string | null): Limit[] {
  const windowSeconds = WINDOW_MINUTES * 60;
  return [
    { key: accountId === undefined ? typedKey(identifier) : `sign-in:account:${accountId}`, max: MAX_FAILURES_PER_ACCOUNT, windowSeconds },
    ...(ip ? [{ key: `sign-in:address:${ip}`, max: MAX_FAILURES_PER_ADDRESS, windowSeconds }] : []),
  ];
}

/** Takes a place for one sign-in attempt, or says how many seconds until one is allowed. */
export async function beginSignIn(db: Db, identifier: string, ip: string | null): Promise<SignInAttempt> {
  const accountId = await accountIdByIdentifier(db, identifier);
  return db.transaction((trx) => takeHits(trx, limitsFor(accountId, identifier, ip)));
}

/** A sign-in that succeeded does not count against the account or the address. */
export function signInSucceeded(db: Db, attempt: { hitIds: number[] }): Promise<void> {
  return returnHits(db, attempt.hitIds);
}
