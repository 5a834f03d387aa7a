import { randomInt } from 'node:crypto';

/**
 * Tracking codes are read aloud over the phone: Crockford's alphabet (no I, L, O, U), grouped as
 * XXXX-XXXX-XX. Ten symbols carry 50 bits, far beyond guessing at the rate limits in force.
 */
const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

export function newTrackingCode(): string {
  const symbols = Array.from({ length: 10 }, () => ALPHABET[randomInt(ALPHABET.length)]).join('');
  return `${symbols.slice(0, 4)}-${symbols.slice(4, 8)}-${symbols.slice(8)}`;
}

/** What someone typed or read back ("k7m2 9xq4 t3", "K7M29XQ4T3") in the stored form, or undefined. */
export function normalizeTrackingCode(input: string): string | undefined {
  const symbols = input
    .toUpperCase()
    .replace(/[\s-]/g, '')
    .replace(/O/g, '0')
    .replace(/[IL]/g, '1');
  if (!/^[0-9A-HJKMNP-TV-Z]{10}$/.test(symbols)) return undefined;
  return `${symbols.slice(0, 4)}-${symbols.slice(4, 8)}-${symbols.slice(8)}`;
}
