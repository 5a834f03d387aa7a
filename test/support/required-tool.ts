/**
 * Tests that need something of the machine (Chromium, root, Debian's cluster tools): outside CI
 * they skip, saying loudly what to install; under CI=true a missing one fails the run, since a
 * green CI run must mean every suite ran.
 */
import { existsSync } from 'node:fs';

export class MissingToolError extends Error {
  override name = 'MissingToolError';
}

/** True when the tests must skip; throws under CI. `available` is whether the thing is there. */
export function skipUnless(available: boolean, what: string, howToGet: string, env: NodeJS.ProcessEnv = process.env): boolean {
  if (available) return false;
  if (env.CI === 'true' || env.CI === '1') {
    throw new MissingToolError(`${what} is missing and CI=true, so these tests fail instead of skipping: ${howToGet}.`);
  }
  console.warn(`\n*** SKIPPED: ${what} is missing; these tests did not run. ${howToGet}. ***\n`);
  return true;
}

/** skipUnless for an executable at a fixed path. */
export const skipWithoutFile = (file: string, what: string, howToGet: string) => skipUnless(existsSync(file), `${what} (${file})`, howToGet);

export const isRoot = () => typeof process.getuid === 'function' && process.getuid() === 0;
