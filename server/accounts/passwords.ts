/**
 * Password rules per current guidance (NIST SP 800-63B): length over composition rules, and a
 * check against lists of common and guessable passwords (zxcvbn-ts's dictionaries), with the
 * account's own email and names and the portal's name counted as guessable. Hashes are argon2id.
 */
import { ZxcvbnFactory } from '@zxcvbn-ts/core';
import * as common from '@zxcvbn-ts/language-common';
import argon2 from 'argon2';

/** A password is the only factor here, for which the guidance asks at least 15 characters. */
export const MIN_PASSWORD_LENGTH = 15;
export const MAX_PASSWORD_LENGTH = 256;
/** zxcvbn score 0-4; 3 is "safely unguessable: moderate protection from offline slow-hash attacks". */
const MIN_SCORE = 3;

const zxcvbn = new ZxcvbnFactory({ dictionary: { ...common.dictionary }, graphs: common.adjacencyGraphs });

export type PasswordProblem = 'too_short' | 'too_long' | 'too_common' | 'too_personal';

/** The portal's own name, in the forms people write it: the first guess of anyone attacking it. */
export const PORTAL_NAMES = ['Tìm mộ liệt sĩ', 'Mộ liệt sĩ', 'Liệt sĩ', 'Tim mo liet si'];

/** What is left of a password once a personal word is taken out must still be a password on its own. */
const MIN_REST_LENGTH = 8;

/** Lower case, no diacritics (đ as d), letters and digits only: how a guesser tries variants. */
export function fold(text: string): string {
  return text.normalize('NFD').replace(/\p{M}/gu, '').replace(/đ/gi, 'd').toLowerCase().replace(/[^a-z0-9]/g, '');
}

/**
 * A password is refused when it is mostly the account's email, username or display name, or the
 * portal's name, in any case, with or without diacritics, spaces or a few digits around them.
 */
function isPersonal(password: string, personal: string[]): boolean {
  const words = [...new Set([...personal, ...personal.map((p) => p.split('@')[0] ?? ''), ...PORTAL_NAMES].map(fold).filter((w) => w.length >= 4))].sort((a, b) => b.length - a.length);
  let rest = fold(password);
  for (const word of words) rest = rest.split(word).join('');
  return rest.length < MIN_REST_LENGTH;
}

export function checkPassword(password: string, personal: string[] = []): PasswordProblem | undefined {
  const length = [...password].length;
  if (length < MIN_PASSWORD_LENGTH) return 'too_short';
  if (length > MAX_PASSWORD_LENGTH) return 'too_long';
  const given = personal.filter(Boolean);
  if (isPersonal(password, given)) return 'too_personal';
  const inputs = [...given, ...PORTAL_NAMES].flatMap((p) => [p, fold(p), ...p.split(/[@.\s_-]+/)]).filter((p) => p.length >= 3);
  if (zxcvbn.check(password, inputs).score < MIN_SCORE) return 'too_common';
  return undefined;
}

export function hashPassword(password: string): Promise<string> {
  return argon2.hash(password, { type: argon2.argon2id });
}

export async function verifyPassword(hash: string, password: string): Promise<boolean> {
  try {
    return await argon2.verify(hash, password);
  } catch {
    return false;
  }
}

/** Verifying against this when no account matches keeps the answer's timing the same either way. */
let dummyHash: Promise<string> | undefined;
export async function verifyNothing(password: string): Promise<false> {
  dummyHash ??= hashPassword('no account has this password, it only spends the same time');
  await verifyPassword(await dummyHash, password);
  return false;
}
