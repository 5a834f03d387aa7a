/**
 * Installs Debian packages the portal lacks, as a fresh machine needs: package lists fetched first
 * when they are missing or old, a held dpkg lock waited for (a fresh VM runs unattended upgrades),
 * every step time-limited, and a failure told in apt's own last `E:` line.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import type { Logger } from '../logger.js';
import { CommandFailedError, runCommand } from './commands.js';
import { SetupError } from './setup-error.js';

/** How long apt waits for another apt or dpkg (unattended-upgrades) to let go of the lock. */
export const DPKG_LOCK_WAIT_SECONDS = 300;
/** An apt-get run past this is stuck (the lock wait plus a generous download of PostGIS and its libraries). */
export const APT_TIMEOUT_MS = 15 * 60_000;
/** Package lists older than this are refreshed before installing: the versions they name may be gone from the mirror. */
export const APT_LISTS_MAX_AGE_MS = 7 * 24 * 3_600_000;

const APT_LISTS_DIR = '/var/lib/apt/lists';

export const isDebian = () => existsSync('/etc/debian_version') && existsSync('/usr/bin/apt-get');

/**
 * True when there are no package lists, or none was fetched within APT_LISTS_MAX_AGE_MS. The lists'
 * own mtimes are the mirror's dates, so the folder's (apt-get update moves fetched lists into it) tells.
 */
export function aptListsStale(dir = APT_LISTS_DIR, now = Date.now()): boolean {
  if (!existsSync(dir)) return true;
  const lists = readdirSync(dir).filter((name) => name.includes('_Packages'));
  if (lists.length === 0) return true;
  return now - statSync(dir).mtimeMs > APT_LISTS_MAX_AGE_MS;
}

type AptOptions = { logger: Logger; timeoutMs?: number };

function apt(args: string[], options: AptOptions) {
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  return runCommand('apt-get', ['-o', `DPkg::Lock::Timeout=${DPKG_LOCK_WAIT_SECONDS}`, '-q', ...args], { env, timeoutMs: options.timeoutMs ?? APT_TIMEOUT_MS });
}

/** Installs the packages or throws one SetupError line with apt's reason. */
export async function aptInstall(packages: string[], options: AptOptions): Promise<void> {
  const { logger } = options;
  let updated = false;
  const update = async () => {
    logger.info('fetching the Debian package lists (apt-get update)');
    await apt(['update'], options);
    updated = true;
  };
  try {
    if (aptListsStale()) await update();
    logger.info({ packages }, 'installing Debian packages');
    try {
      await apt(['install', '-y', ...packages], options);
    } catch (error) {
      // A package the lists do not know yet, or a version gone from the mirror: fresh lists fix both.
      if (updated || !(error instanceof CommandFailedError)) throw error;
      await update();
      await apt(['install', '-y', ...packages], options);
    }
  } catch (error) {
    if (error instanceof CommandFailedError) {
      throw new SetupError(`Could not install ${packages.join(' ')} (${error.detail}): run \`sudo apt-get install -y ${packages.join(' ')}\` and start again.`);
    }
    throw error;
  }
}
