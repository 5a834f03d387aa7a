/**
 * Debian's local PostgreSQL clusters (postgresql-common): which one the portal uses when
 * DATABASE_URL is unset, and starting it when it is stopped.
 */
import { existsSync } from 'node:fs';
import pg from 'pg';
import { runCommand } from './commands.js';
import { SetupError } from './setup-error.js';

export type LocalCluster = { version: string; name: string; port: number; running: boolean; owner: number };

/** pg_ctlcluster returns once the postmaster is forked; it can take this long more to accept connections (crash recovery). */
export const CLUSTER_READY_TIMEOUT_MS = 60_000;
const COMMAND_TIMEOUT_MS = 120_000;

/** PostgreSQL clients' default port, so the cluster on it is the one people mean when they name none. */
const USUAL_PORT = 5432;

export const hasClusterTools = () => existsSync('/usr/bin/pg_lsclusters') && existsSync('/usr/bin/pg_ctlcluster');

export const clusterLabel = (cluster: { version: string; name: string }) => `${cluster.version}/${cluster.name}`;

type LsClustersEntry = { version: number | string; cluster: string; port: number | string; running: number; owneruid: number };

/** pg_lsclusters --json, read into what set-up needs. */
export function parseClusterList(json: string): LocalCluster[] {
  const entries = JSON.parse(json || '[]') as LsClustersEntry[];
  return entries.map((entry) => ({
    version: String(entry.version),
    name: entry.cluster,
    port: Number(entry.port),
    running: entry.running === 1,
    owner: entry.owneruid,
  }));
}

export async function listClusters(): Promise<LocalCluster[]> {
  const { stdout } = await runCommand('pg_lsclusters', ['--json'], { timeoutMs: COMMAND_TIMEOUT_MS });
  return parseClusterList(stdout);
}

/**
 * The cluster named by POSTGRES_CLUSTER ("15/main"), or with none named: the one on port 5432,
 * else the newest version's first. Undefined when there is none.
 */
export function chooseCluster(clusters: LocalCluster[], wanted: string | undefined): LocalCluster | undefined {
  if (wanted) {
    const found = clusters.find((cluster) => clusterLabel(cluster) === wanted);
    if (!found) {
      const known = clusters.map(clusterLabel).join(', ') || 'none';
      throw new SetupError(`POSTGRES_CLUSTER=${wanted} is not a local cluster (pg_lsclusters lists ${known}).`);
    }
    return found;
  }
  const byVersion = [...clusters].sort((a, b) => Number(b.version) - Number(a.version));
  return clusters.find((cluster) => cluster.port === USUAL_PORT) ?? byVersion[0];
}

/** Starts a stopped cluster and waits until it accepts connections; pg_ctlcluster's failure is the error. */
export async function startCluster(cluster: { version: string; name: string; port: number }): Promise<void> {
  try {
    await runCommand('pg_ctlcluster', ['--skip-systemctl-redirect', cluster.version, cluster.name, 'start'], { timeoutMs: COMMAND_TIMEOUT_MS });
  } catch (error) {
    const detail = error instanceof SetupError ? error.message : String(error);
    const hint = typeof process.getuid === 'function' && process.getuid() !== 0 ? `run \`sudo pg_ctlcluster ${cluster.version} ${cluster.name} start\`` : `see /var/log/postgresql/postgresql-${cluster.version}-${cluster.name}.log`;
    throw new SetupError(`Could not start PostgreSQL ${clusterLabel(cluster)}: ${detail.replace(/^`[^`]*` failed: /, '')}; ${hint}.`);
  }
  await waitUntilAccepting(cluster.port, CLUSTER_READY_TIMEOUT_MS, clusterLabel(cluster));
}

// Codes of a server that is up but not yet ready; anything else (even a refused password) means it accepts connections.
const NOT_READY_CODES = new Set(['ECONNREFUSED', 'ENOENT', '57P03']);

/** Waits for a PostgreSQL on 127.0.0.1:port to get past start-up; an auth error counts as up. */
export async function waitUntilAccepting(port: number, timeoutMs: number, label: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const client = new pg.Client({ host: '127.0.0.1', port, user: 'postgres', database: 'postgres', connectionTimeoutMillis: 2000, password: notAsked });
    let code: string | undefined;
    try {
      await client.connect();
      return;
    } catch (error) {
      if (error instanceof PasswordRequiredError) return;
      code = (error as { code?: string }).code;
      if (code && !NOT_READY_CODES.has(code)) return;
    } finally {
      await client.end().catch(() => undefined);
    }
    if (Date.now() > deadline) throw new SetupError(`PostgreSQL ${label} started but does not accept connections on port ${port} after ${timeoutMs / 1000} s (${code}).`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/** Thrown to end a connection attempt when the server asks for a password we do not have. */
export class PasswordRequiredError extends Error {
  override name = 'PasswordRequiredError';
}

/** A pg `password` callback for a connection made without one: a server that asks ends the attempt. */
export const notAsked = (): never => {
  throw new PasswordRequiredError('the server asks for a password');
};
