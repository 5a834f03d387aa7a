/**
 * The fresh-machine branches of PostgreSQL set-up, run for real: a throwaway Debian cluster with
 * Debian's own defaults (peer over the socket, scram-sha-256 over TCP, not called main, stopped),
 * real pg_ctlcluster and apt-get failures. The shared main cluster is only read.
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import getPort from 'get-port';
import pg from 'pg';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ROOT_DIR } from '../../server/config.js';
import { aptInstall } from '../../server/setup/apt.js';
import { passwordFile } from '../../server/setup/cluster-password.js';
import { clusterTuning, tuningPath, tuningText } from '../../server/setup/cluster-tuning.js';
import { CommandFailedError, runCommand } from '../../server/setup/commands.js';
import { listClusters, notAsked, PasswordRequiredError, startCluster } from '../../server/setup/local-cluster.js';
import { preparePostgres, readServerVersion } from '../../server/setup/postgres.js';
import { postgisPackageFor } from '../../server/setup/server-version.js';
import { SetupError } from '../../server/setup/setup-error.js';
import { withDatabase } from '../support/database-url.js';
import { isRoot, skipUnless } from '../support/required-tool.js';

const canManageClusters = () =>
  skipUnless(isRoot() && existsSync('/usr/bin/pg_createcluster') && existsSync('/usr/bin/apt-get'), 'root with Debian\'s postgresql-common and apt-get', 'run the tests as root on Debian (as CI does)');

/** Takes dpkg's frontend lock the way apt does (fcntl), says "held", keeps it for argv[1] seconds. */
const HOLD_DPKG_LOCK = `
import fcntl, sys, time
lock = open('/var/lib/dpkg/lock-frontend', 'w')
fcntl.lockf(lock, fcntl.LOCK_EX)
print('held', flush=True)
time.sleep(float(sys.argv[1]))
`;

const commandExists = (name: string) => spawnSync('sh', ['-c', `command -v ${name}`]).status === 0;

/** A logger whose every line is kept, to check what set-up writes. */
function recordingLogger() {
  const lines: string[] = [];
  const sink = new Writable({ write: (chunk, _encoding, done) => (lines.push(String(chunk)), done()) });
  return { logger: pino({ level: 'debug' }, sink), lines };
}

async function query<T extends pg.QueryResultRow>(url: string, sql: string): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(sql)).rows;
  } finally {
    await client.end();
  }
}

describe('PostgreSQL set-up against the real server', () => {
  it("names the PostGIS package of the server's real major, one that is installed (was postgresql-NaN-postgis-3)", async () => {
    const client = new pg.Client({ connectionString: withDatabase(inject('pgServerUrl'), 'postgres') });
    await client.connect();
    try {
      const versionNum = await readServerVersion(client);
      const { rows } = await client.query<{ v: string }>("SELECT current_setting('server_version') AS v");
      expect(Math.floor(versionNum / 10000)).toBe(Number(rows[0]!.v.split('.')[0]));
      const pkg = postgisPackageFor(versionNum);
      expect(pkg).toMatch(/^postgresql-\d+-postgis-3$/);
      expect(() => execFileSync('dpkg-query', ['-W', '-f=${Status}', pkg])).not.toThrow();
    } finally {
      await client.end();
    }
  });
});

describe.skipIf(canManageClusters())('a local cluster with Debian defaults, managed as root', { timeout: 120_000 }, () => {
  const name = `mls_${randomBytes(3).toString('hex')}`;
  let version: string;
  let port: number;
  let dataDir: string;
  const label = () => `${version}/${name}`;
  const prepare = (logger = recordingLogger().logger) =>
    preparePostgres({ databaseUrl: 'postgres://postgres@127.0.0.1:5432/mls_setup_check', mayManageLocalServer: true, autoInstall: true, dataDir, cluster: label(), logger });

  beforeAll(async () => {
    version = String(Math.max(...(await listClusters()).map((c) => Number(c.version))));
    port = await getPort();
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'mls-setup-'));
    // Debian's defaults: not started, peer for the socket, scram-sha-256 for 127.0.0.1.
    await runCommand('pg_createcluster', [version, name, '--port', String(port)], { timeoutMs: 120_000 });
  });

  afterAll(async () => {
    await runCommand('pg_dropcluster', ['--stop', version, name], { timeoutMs: 120_000 }).catch(() => undefined);
    await rm(dataDir, { recursive: true, force: true });
  });

  it('refuses the password-less TCP default (the case the project must handle)', async () => {
    await startCluster({ version, name, port });
    const client = new pg.Client({ host: '127.0.0.1', port, user: 'postgres', database: 'postgres', password: notAsked });
    await expect(client.connect()).rejects.toBeInstanceOf(PasswordRequiredError);
    await client.end().catch(() => undefined);
    await runCommand('pg_ctlcluster', [version, name, 'stop'], { timeoutMs: 60_000 });
  });

  it('starts the stopped cluster, gives the project a password kept 0600 under DATA_DIR, creates the database with PostGIS, and never logs the password', async () => {
    const { logger, lines } = recordingLogger();
    const url = new URL(await prepare(logger));
    expect(url.port).toBe(String(port));
    expect(url.password).toMatch(/^[0-9a-f]{48}$/);
    expect((await listClusters()).find((c) => c.name === name)?.running).toBe(true);
    const file = passwordFile(dataDir, { version, name });
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    const rows = await query<{ v: string }>(url.toString(), 'SELECT postgis_lib_version() AS v');
    expect(rows[0]!.v).toMatch(/^3\./);
    expect(lines.join('')).not.toContain(url.password);
  });

  it("writes the memory settings for this machine into the cluster's conf.d, restarts it once for them, and not again", async () => {
    const url = await prepare();
    const expected = clusterTuning(os.totalmem());
    expect(await readFile(tuningPath({ version, name }), 'utf8')).toBe(tuningText(expected));
    const [settings] = await query<{ shared_buffers: string; max_wal_size: string; jit: string }>(url, "SELECT current_setting('shared_buffers') AS shared_buffers, current_setting('max_wal_size') AS max_wal_size, current_setting('jit') AS jit");
    expect(settings).toEqual({ shared_buffers: expected.shared_buffers!.replace(/^(\d+)MB$/, (_, mb: string) => (Number(mb) % 1024 === 0 ? `${Number(mb) / 1024}GB` : `${mb}MB`)), max_wal_size: '4GB', jit: 'off' });
    const started = async () => (await query<{ t: string }>(url, 'SELECT pg_postmaster_start_time()::text AS t'))[0]!.t;
    const before = await started();
    await prepare();
    expect(await started()).toBe(before);
    // A file that says something else (an older version's, or edited) is rewritten, and the cluster restarted for it.
    await writeFile(tuningPath({ version, name }), "shared_buffers = '128MB'\n");
    await prepare();
    expect(await started()).not.toBe(before);
    expect(await readFile(tuningPath({ version, name }), 'utf8')).toBe(tuningText(expected));
  });

  it('reuses the kept password on the next start and sets no new one', async () => {
    const file = passwordFile(dataDir, { version, name });
    const before = await stat(file);
    const first = new URL(await prepare());
    const second = new URL(await prepare());
    expect(second.password).toBe(first.password);
    expect((await stat(file)).mtimeMs).toBe(before.mtimeMs);
  });

  it('starts the cluster again after it was stopped, waiting until it accepts connections', async () => {
    await runCommand('pg_ctlcluster', [version, name, 'stop'], { timeoutMs: 60_000 });
    const url = await prepare();
    expect(await query<{ one: number }>(url, 'SELECT 1 AS one')).toEqual([{ one: 1 }]);
  });

  it('replaces a kept password the cluster no longer accepts', async () => {
    const file = passwordFile(dataDir, { version, name });
    await writeFile(file, 'not-the-password\n', { mode: 0o600 });
    const url = new URL(await prepare());
    expect(url.password).not.toBe('not-the-password');
    expect(await query<{ one: number }>(url.toString(), 'SELECT 1 AS one')).toEqual([{ one: 1 }]);
  });
});

describe.skipIf(canManageClusters())('set-up commands that fail', { timeout: 300_000 }, () => {
  it("stops with pg_ctlcluster's reason when it cannot start a cluster (was reported as success)", async () => {
    const error = await startCluster({ version: '15', name: 'mls-no-such-cluster', port: 1 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SetupError);
    expect((error as Error).message).toMatch(/^Could not start PostgreSQL 15\/mls-no-such-cluster: .*(does not exist|No such)/);
  });

  it('names the clusters there are when POSTGRES_CLUSTER names none of them', async () => {
    const error = await preparePostgres({ databaseUrl: 'postgres://postgres@127.0.0.1:5432/x', mayManageLocalServer: true, autoInstall: false, dataDir: os.tmpdir(), cluster: '15/mls-no-such-cluster', logger: recordingLogger().logger }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SetupError);
    expect((error as Error).message).toMatch(/^POSTGRES_CLUSTER=15\/mls-no-such-cluster is not a local cluster \(pg_lsclusters lists .*15\/main/);
  });

  it("turns an apt-get failure into one line with apt's E: reason", async () => {
    const error = await aptInstall(['mls-no-such-package'], { logger: recordingLogger().logger }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SetupError);
    const message = (error as Error).message;
    expect(message).toContain('E: Unable to locate package mls-no-such-package');
    expect(message).toContain('sudo apt-get install -y mls-no-such-package');
    expect(message).not.toContain('\n');
  });

  it("installs through apt-get with its dpkg-lock wait (PostGIS, already there: apt's no-op)", async () => {
    const client = new pg.Client({ connectionString: withDatabase(inject('pgServerUrl'), 'postgres') });
    await client.connect();
    const pkg = postgisPackageFor(await readServerVersion(client).finally(() => client.end()));
    await expect(aptInstall([pkg], { logger: recordingLogger().logger })).resolves.toBeUndefined();
  });

  it('waits for a dpkg lock another process holds (unattended upgrades on a fresh VM) instead of failing at once', async () => {
    if (skipUnless(commandExists('python3'), 'python3 (holds the dpkg lock as apt does, with fcntl)', 'run `sudo apt-get install -y python3`')) return;
    const client = new pg.Client({ connectionString: withDatabase(inject('pgServerUrl'), 'postgres') });
    await client.connect();
    const pkg = postgisPackageFor(await readServerVersion(client).finally(() => client.end()));
    const holder = spawn('python3', ['-c', HOLD_DPKG_LOCK, '4'], { stdio: ['ignore', 'pipe', 'inherit'] });
    const exited = new Promise((resolve) => holder.on('exit', resolve));
    await new Promise((resolve) => holder.stdout.once('data', resolve)); // "held"
    const started = Date.now();
    try {
      await expect(aptInstall([pkg], { logger: recordingLogger().logger })).resolves.toBeUndefined();
      expect(Date.now() - started).toBeGreaterThan(2_000);
    } finally {
      holder.kill();
      await exited;
    }
  });

  it('stops a command that does not answer in time', async () => {
    const started = Date.now();
    const error = await runCommand('sleep', ['30'], { timeoutMs: 300 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CommandFailedError);
    expect((error as Error).message).toBe('`sleep 30` failed: no answer after 0 s, stopped');
    expect(Date.now() - started).toBeLessThan(10_000);
  });
});

describe('a start-up failure on the command line', () => {
  const role = `mls_plain_${randomBytes(3).toString('hex')}`;
  const adminUrl = () => withDatabase(inject('pgServerUrl'), 'postgres');

  beforeAll(async () => {
    await query(adminUrl(), `CREATE ROLE ${role} LOGIN PASSWORD '${role}'`);
    await query(adminUrl(), `CREATE DATABASE ${role} OWNER ${role}`);
  });

  afterAll(async () => {
    await query(adminUrl(), `DROP DATABASE IF EXISTS ${role} WITH (FORCE)`);
    await query(adminUrl(), `DROP ROLE IF EXISTS ${role}`);
  });

  it('is one line saying what failed, not a JSON stack trace (a role that may not CREATE EXTENSION postgis)', async () => {
    const url = new URL(withDatabase(inject('pgServerUrl'), role));
    url.username = role;
    url.password = role;
    const result = spawnSync('npx', ['tsx', 'scripts/migrate.ts'], {
      cwd: ROOT_DIR,
      env: { ...process.env, DATABASE_URL: url.toString(), LOG_LEVEL: 'info' },
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(result.status).toBe(1);
    const lines = result.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^Cannot start: Preparing PostgreSQL at postgres:\/\/mls_plain_\w+:\*\*\*@.* failed: permission denied to create extension "postgis"/);
    expect(result.stdout + result.stderr).not.toContain('"stack"');
    expect(result.stdout + result.stderr).not.toContain(`:${role}@`);
  });
});
