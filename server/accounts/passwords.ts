/**
 * Password rules per current guidance (NIST SP 800-63B): length over composition rules, and a
 * check against lists of common and guessable passwords (zxcvbn-ts's dictionaries), with the
 * account's own email and name counted as guessable. Hashes are argon2id.
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

export type PasswordProblem = 'too_short' | 'too_long' | 'too_common';

export function checkPassword(password: string, personal: string[] = []): PasswordProblem | undefined {
  const length = [...password].length;
  if (length < MIN_PASSWORD_LENGTH) return 'too_short';
  if (length > MAX_PASSWORD_LENGTH) return 'too_long';
  const inputs = personal.flatMap((p) => [p, ...p.split(/[@.\s_-]+/)]).filter((p) => p.length >= 3);
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
