/**
 * Makes sure PostgreSQL is there and ready for the portal: the server answers (starting Debian's
 * local cluster when it is installed but stopped), the database exists, and the extensions are
 * created (installing Debian's PostGIS package when it is missing and we are root). Anything it
 * cannot fix stops start-up with one line saying what to run.
 */
import { execFile } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { promisify } from 'node:util';
import pg from 'pg';
import type { Logger } from '../logger.js';
import { SetupError } from './setup-error.js';

const run = promisify(execFile);


/**
 * PostGIS 3 gives ST_TileEnvelope and ST_AsMVT with the options tiles rely on; PostgreSQL 15 gives
 * UNIQUE NULLS NOT DISTINCT, which plot uniqueness relies on.
 */
export const MINIMUM_POSTGRES_VERSION_NUM = 150000;
export const MINIMUM_POSTGIS_MAJOR = 3;

export const REQUIRED_EXTENSIONS = ['postgis', 'pg_trgm', 'unaccent'] as const;

type Options = {
  databaseUrl: string;
  /** The project may start the local server and install packages only when it chose the server itself. */
  mayManageLocalServer: boolean;
  autoInstall: boolean;
  logger: Logger;
};

const isRoot = () => typeof process.getuid === 'function' && process.getuid() === 0;

function databaseName(url: URL): string {
  const name = decodeURIComponent(url.pathname.replace(/^\//, ''));
  if (!name) throw new SetupError(`DATABASE_URL names no database (${redact(url)}): add /<name> at its end.`);
  return name;
}

export function redact(url: URL | string): string {
  const u = new URL(String(url));
  if (u.password) u.password = '***';
  return u.toString();
}

function maintenanceUrl(url: URL): string {
  const u = new URL(url.toString());
  u.pathname = '/postgres';
  return u.toString();
}

async function canConnect(connectionString: string): Promise<{ ok: true } | { ok: false; error: NodeJS.ErrnoException }> {
  const client = new pg.Client({ connectionString, connectionTimeoutMillis: 5000 });
  try {
    await client.connect();
    return { ok: true };
  } catch (error) {
    return { ok: false, error: error as NodeJS.ErrnoException };
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function startLocalCluster(logger: Logger): Promise<boolean> {
  if (!existsSync('/etc/postgresql') || !existsSync('/usr/bin/pg_ctlcluster')) return false;
  for (const version of readdirSync('/etc/postgresql')) {
    logger.info({ version }, 'starting the local PostgreSQL cluster');
    try {
      await run('pg_ctlcluster', ['--skip-systemctl-redirect', version, 'main', 'start']);
    } catch (error) {
      logger.warn({ err: error, version }, 'pg_ctlcluster could not start the cluster');
    }
  }
  return true;
}

async function aptInstall(packages: string[], logger: Logger): Promise<void> {
  logger.info({ packages }, 'installing Debian packages');
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  try {
    await run('apt-get', ['install', '-y', '-q', ...packages], { env, maxBuffer: 64 * 1024 * 1024 });
  } catch {
    // The package lists may be missing or stale on a fresh machine.
    await run('apt-get', ['update', '-q'], { env, maxBuffer: 64 * 1024 * 1024 });
    await run('apt-get', ['install', '-y', '-q', ...packages], { env, maxBuffer: 64 * 1024 * 1024 });
  }
}

const isDebian = () => existsSync('/etc/debian_version') && existsSync('/usr/bin/apt-get');

async function ensureServer(url: URL, options: Options): Promise<void> {
  const first = await canConnect(maintenanceUrl(url));
  if (first.ok) return;
  const refused = ['ECONNREFUSED', 'ENOENT'].includes(first.error.code ?? '');
  if (refused && options.mayManageLocalServer) {
    if (!(await startLocalCluster(options.logger))) {
      if (isRoot() && isDebian() && options.autoInstall) {
        await aptInstall(['postgresql', 'postgresql-contrib'], options.logger);
        await startLocalCluster(options.logger);
      } else {
        throw new SetupError('PostgreSQL is not installed: run `sudo apt-get install postgresql` (or set DATABASE_URL to your server).');
      }
    }
    for (let attempt = 0; attempt < 30; attempt++) {
      if ((await canConnect(maintenanceUrl(url))).ok) return;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }
  throw new SetupError(`Cannot reach PostgreSQL at ${redact(url)} (${first.error.message}): start it, or set DATABASE_URL.`);
}

async function ensureDatabase(url: URL, options: Options): Promise<void> {
  const name = databaseName(url);
  const client = new pg.Client({ connectionString: maintenanceUrl(url) });
  await client.connect();
  try {
    const exists = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (exists.rowCount === 0) {
      options.logger.info({ database: name }, 'creating the database');
      await client.query(`CREATE DATABASE ${pg.escapeIdentifier(name)} ENCODING 'UTF8' TEMPLATE template0`);
    }
  } finally {
    await client.end();
  }
}

async function ensureExtensions(url: URL, options: Options): Promise<void> {
  const client = new pg.Client({ connectionString: url.toString() });
  await client.connect();
  try {
    const { rows } = await client.query<{ v: string }>('SHOW server_version_num');
    const versionNum = Number(rows[0]?.v);
    if (versionNum < MINIMUM_POSTGRES_VERSION_NUM) {
      throw new SetupError(`PostgreSQL ${versionNum} is too old: the portal needs 15 or newer.`);
    }
    const major = Math.floor(versionNum / 10000);
    for (const extension of REQUIRED_EXTENSIONS) {
      try {
        await client.query(`CREATE EXTENSION IF NOT EXISTS ${extension}`);
      } catch (error) {
        const missing = (error as { code?: string }).code === '0A000' || /control file/.test(String((error as Error).message));
        if (!missing) throw error;
        const pkg = extension === 'postgis' ? `postgresql-${major}-postgis-3` : `postgresql-contrib`;
        const local = ['127.0.0.1', 'localhost', '::1', '[::1]', ''].includes(url.hostname);
        if (local && isRoot() && isDebian() && options.autoInstall) {
          await aptInstall([pkg], options.logger);
          await client.query(`CREATE EXTENSION IF NOT EXISTS ${extension}`);
        } else {
          throw new SetupError(`The PostgreSQL extension ${extension} is missing: run \`sudo apt-get install ${pkg}\` on the database server.`);
        }
      }
    }
    const postgis = await client.query<{ v: string }>('SELECT extversion AS v FROM pg_extension WHERE extname = $1', ['postgis']);
    const postgisMajor = Number(postgis.rows[0]?.v.split('.')[0]);
    if (postgisMajor < MINIMUM_POSTGIS_MAJOR) {
      throw new SetupError(`PostGIS ${postgis.rows[0]?.v} is too old: the portal needs ${MINIMUM_POSTGIS_MAJOR} or newer.`);
    }
  } finally {
    await client.end();
  }
}

/** Server up, database created, extensions in place. Idempotent and quick when all is ready. */
export async function preparePostgres(options: Options): Promise<void> {
  const url = new URL(options.databaseUrl);
  // The database itself first: a managed server may not let us into the maintenance database.
  const direct = await canConnect(url.toString());
  if (!direct.ok) {
    if (direct.error.code !== '3D000') await ensureServer(url, options); // 3D000: no such database
    await ensureDatabase(url, options);
  }
  await ensureExtensions(url, options);
}
