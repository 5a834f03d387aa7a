/**
 * The portal's own access to a local cluster it manages as root. Debian's pg_hba asks for a
 * password over TCP (scram-sha-256), so the project gives the `postgres` role one it generates,
 * set over the Unix socket where Debian lets the postgres OS user in (peer), and keeps it under
 * DATA_DIR (mode 0600) for every later start. It is never logged and never on a command line.
 */
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { runCommand } from './commands.js';
import { clusterLabel, type LocalCluster } from './local-cluster.js';
import { SetupError } from './setup-error.js';

const PSQL_TIMEOUT_MS = 60_000;

/** Where the password of a cluster lives: one file per cluster, since each has its own roles. */
export function passwordFile(dataDir: string, cluster: { version: string; name: string }): string {
  return path.join(dataDir, 'postgres', `${cluster.version}-${cluster.name}.password`);
}

/** The kept password of the cluster, or undefined when the project has not set one. */
export async function readClusterPassword(dataDir: string, cluster: { version: string; name: string }): Promise<string | undefined> {
  try {
    const text = (await readFile(passwordFile(dataDir, cluster), 'utf8')).trim();
    return text || undefined;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new SetupError(`Cannot read ${passwordFile(dataDir, cluster)}: ${(error as Error).message}.`);
  }
}

/** Generates a password, keeps it, and sets it on the cluster's `postgres` role. Needs root. */
export async function setClusterPassword(dataDir: string, cluster: LocalCluster): Promise<string> {
  // Hex: nothing to quote in SQL or a URL.
  const password = randomBytes(24).toString('hex');
  const file = passwordFile(dataDir, cluster);
  // Kept before it is set: a crash between the two leaves a password to set again, not a role locked out by an unknown one.
  await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  const partial = `${file}.${process.pid}.tmp`;
  await writeFile(partial, `${password}\n`, { mode: 0o600 });
  await chmod(partial, 0o600);
  await rename(partial, file);
  try {
    await runCommand('runuser', ['-u', 'postgres', '--', 'psql', '-X', '-q', '-v', 'ON_ERROR_STOP=1', '-p', String(cluster.port), '-d', 'postgres'], {
      input: `ALTER ROLE postgres WITH PASSWORD '${password}';\n`,
      timeoutMs: PSQL_TIMEOUT_MS,
    });
  } catch (error) {
    const detail = error instanceof SetupError ? error.message : String(error);
    throw new SetupError(`PostgreSQL ${clusterLabel(cluster)} asks for a password and setting one through its Unix socket failed (${detail}); set DATABASE_URL with a user and password instead.`);
  }
  return password;
}
