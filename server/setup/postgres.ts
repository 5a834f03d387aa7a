/**
 * Makes sure PostgreSQL is there and ready for the portal: the server answers (starting Debian's
 * local cluster when it is installed but stopped, and giving the project a password of its own
 * when the cluster asks for one), the database exists, and the extensions are created (installing
 * Debian's PostGIS package when it is missing and we are root). Anything it cannot fix stops
 * start-up with one line saying what to run.
 */
import { existsSync, readdirSync } from 'node:fs';
import pg from 'pg';
import type { Config } from '../config.js';
import type { Logger } from '../logger.js';
import { aptInstall, isDebian } from './apt.js';
import { tuneCluster } from './cluster-tuning.js';
import { readClusterPassword, setClusterPassword } from './cluster-password.js';
import { chooseCluster, clusterLabel, hasClusterTools, listClusters, notAsked, PasswordRequiredError, startCluster, type LocalCluster } from './local-cluster.js';
import { checkPostgisVersion, checkServerVersion, parseServerVersionNum, postgisPackageFor } from './server-version.js';
import { SetupError } from './setup-error.js';

export { MINIMUM_POSTGIS_MAJOR, MINIMUM_POSTGRES_VERSION_NUM } from './server-version.js';

export const REQUIRED_EXTENSIONS = ['postgis', 'pg_trgm', 'unaccent'] as const;

type Options = {
  databaseUrl: string;
  /**
   * The project may start the local server, set up its access and install packages only when it
   * chose the server itself (DATABASE_URL unset); the URL's host and port then give way to the
   * local cluster's.
   */
  mayManageLocalServer: boolean;
  autoInstall: boolean;
  /** Where a password the project sets on a local cluster is kept. */
  dataDir: string;
  /** A Debian cluster such as "15/main" (POSTGRES_CLUSTER); unset: found with pg_lsclusters. */
  cluster?: string | undefined;
  logger: Logger;
};

const hasServer = () => existsSync('/usr/lib/postgresql') && readdirSync('/usr/lib/postgresql').some((version) => existsSync(`/usr/lib/postgresql/${version}/bin/postgres`));

const isRoot = () => typeof process.getuid === 'function' && process.getuid() === 0;

// 28P01: wrong password; 28000: not allowed in (no pg_hba line, or no password given to one that needs it).
const AUTH_FAILED = new Set(['28P01', '28000']);

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

type Attempt = { ok: true } | { ok: false; error: Error & { code?: string } };

/**
 * Without a password in the URL, a server that asks for one ends the attempt with
 * PasswordRequiredError. Spelled out, since pg lets a connection string's (empty) password win.
 */
function probeConfig(connectionString: string): pg.ClientConfig {
  const u = new URL(connectionString);
  if (u.password || u.search) return { connectionString };
  return {
    host: u.hostname.replace(/^\[(.*)\]$/, '$1') || '127.0.0.1',
    port: Number(u.port || 5432),
    user: decodeURIComponent(u.username) || 'postgres',
    database: decodeURIComponent(u.pathname.replace(/^\//, '')) || 'postgres',
    password: notAsked,
  };
}

async function canConnect(connectionString: string): Promise<Attempt> {
  const client = new pg.Client({ ...probeConfig(connectionString), connectionTimeoutMillis: 5000 });
  try {
    await client.connect();
    return { ok: true };
  } catch (error) {
    return { ok: false, error: error as Error & { code?: string } };
  } finally {
    await client.end().catch(() => undefined);
  }
}

const authFailed = (attempt: Attempt) => !attempt.ok && (attempt.error instanceof PasswordRequiredError || AUTH_FAILED.has(attempt.error.code ?? ''));

/** Installed and chosen (installing Debian's PostgreSQL when there is none and we may). */
async function findLocalCluster(options: Options): Promise<LocalCluster | undefined> {
  if (!hasClusterTools()) {
    if (!(isRoot() && isDebian() && options.autoInstall)) return undefined;
    await aptInstall(['postgresql', 'postgresql-contrib'], options);
  }
  let clusters = await listClusters();
  // postgresql-common without a server (pulled in by a client package): the server brings its cluster.
  if (clusters.length === 0 && !hasServer() && isRoot() && isDebian() && options.autoInstall) {
    await aptInstall(['postgresql', 'postgresql-contrib'], options);
    clusters = await listClusters();
  }
  const cluster = chooseCluster(clusters, options.cluster);
  if (!cluster) throw new SetupError('PostgreSQL is installed but has no cluster: run `sudo pg_createcluster --start <version> main` (or set DATABASE_URL).');
  return cluster;
}

/** The local cluster up, and a URL that gets into it (its port, and the project's password when it needs one). */
async function ensureLocalServer(url: URL, options: Options): Promise<URL> {
  const cluster = await findLocalCluster(options);
  if (!cluster) {
    const attempt = await canConnect(maintenanceUrl(url));
    if (attempt.ok || authFailed(attempt)) return url;
    throw new SetupError('PostgreSQL is not installed: run `sudo apt-get install -y postgresql postgresql-contrib` (or set DATABASE_URL to your server).');
  }
  const local = new URL(url.toString());
  local.hostname = '127.0.0.1';
  local.port = String(cluster.port);
  if (isRoot()) await tuneCluster(cluster, options.logger);
  if (!cluster.running) {
    options.logger.info({ cluster: clusterLabel(cluster) }, 'starting the local PostgreSQL cluster');
    await startCluster(cluster);
  }
  const kept = await readClusterPassword(options.dataDir, cluster);
  if (kept !== undefined && !local.password) local.password = kept;
  const attempt = await canConnect(maintenanceUrl(local));
  if (attempt.ok) return local;
  if (!authFailed(attempt)) throw new SetupError(`Cannot reach PostgreSQL ${clusterLabel(cluster)} on port ${cluster.port} (${attempt.error.message}).`);
  if (!isRoot()) {
    throw new SetupError(
      `PostgreSQL ${clusterLabel(cluster)} asks for a password: set DATABASE_URL=postgres://<user>:<password>@127.0.0.1:${cluster.port}/${databaseName(url)} ` +
        `(a role that may create databases), or start once as root so the project sets up its own.`,
    );
  }
  options.logger.info({ cluster: clusterLabel(cluster) }, 'the cluster asks for a password: giving the project its own, kept under DATA_DIR');
  local.password = await setClusterPassword(options.dataDir, cluster);
  const again = await canConnect(maintenanceUrl(local));
  if (!again.ok) throw new SetupError(`PostgreSQL ${clusterLabel(cluster)} still refuses the project after setting its password (${again.error.message}); check its pg_hba.conf.`);
  return local;
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

/** The server's server_version_num, checked against what the portal needs. */
export async function readServerVersion(client: pg.Client): Promise<number> {
  const { rows } = await client.query<{ server_version_num: string }>('SHOW server_version_num');
  const versionNum = parseServerVersionNum(rows[0]?.server_version_num);
  checkServerVersion(versionNum);
  return versionNum;
}

async function ensureExtensions(url: URL, options: Options): Promise<void> {
  const client = new pg.Client({ connectionString: url.toString() });
  await client.connect();
  try {
    const versionNum = await readServerVersion(client);
    for (const extension of REQUIRED_EXTENSIONS) {
      try {
        await client.query(`CREATE EXTENSION IF NOT EXISTS ${extension}`);
      } catch (error) {
        // 58P01: the extension's control file is not installed; 0A000 on older servers.
        const missing = ['0A000', '58P01'].includes((error as { code?: string }).code ?? '');
        if (!missing) throw error;
        const pkg = extension === 'postgis' ? postgisPackageFor(versionNum) : 'postgresql-contrib';
        const local = ['127.0.0.1', 'localhost', '::1', '[::1]', ''].includes(url.hostname);
        if (local && isRoot() && isDebian() && options.autoInstall) {
          await aptInstall([pkg], options);
          await client.query(`CREATE EXTENSION IF NOT EXISTS ${extension}`);
        } else {
          throw new SetupError(`The PostgreSQL extension ${extension} is missing: run \`sudo apt-get install -y ${pkg}\` on the database server.`);
        }
      }
    }
    const postgis = await client.query<{ v: string }>('SELECT extversion AS v FROM pg_extension WHERE extname = $1', ['postgis']);
    checkPostgisVersion(postgis.rows[0]?.v);
  } finally {
    await client.end();
  }
}

/**
 * Server up, database created, extensions in place; idempotent and quick when all is ready.
 * Returns the URL to use from then on: with the local cluster's port and the project's password
 * when the project manages it, else the given one.
 */
export async function preparePostgres(options: Options): Promise<string> {
  let url = new URL(options.databaseUrl);
  try {
    if (options.mayManageLocalServer) url = await ensureLocalServer(url, options);
    // The database itself first: a managed server may not let us into the maintenance database.
    const direct = await canConnect(url.toString());
    if (!direct.ok) {
      // 3D000: no such database.
      if (direct.error.code !== '3D000') throw new SetupError(`Cannot reach PostgreSQL at ${redact(url)} (${direct.error.message}): start it, or set DATABASE_URL.`);
      await ensureDatabase(url, options);
    }
    await ensureExtensions(url, options);
  } catch (error) {
    if (error instanceof SetupError) throw error;
    // A refused CREATE DATABASE or CREATE EXTENSION is still the operator's to fix: one line, no stack.
    throw new SetupError(`Preparing PostgreSQL at ${redact(url)} failed: ${(error as Error).message}.`);
  }
  return url.toString();
}

/** preparePostgres as the configuration says: what every command that opens the database calls first. */
export function preparePostgresFor(config: Config, logger: Logger): Promise<string> {
  return preparePostgres({
    databaseUrl: config.databaseUrl,
    mayManageLocalServer: config.databaseIsLocalDefault,
    autoInstall: config.autoInstall,
    dataDir: config.dataDir,
    cluster: config.postgresCluster,
    logger,
  });
}
