/**
 * Memory and WAL settings for a local cluster the project manages, scaled to the machine: Debian's
 * cluster starts with PostgreSQL's defaults (128 MB of shared buffers, 1 GB of WAL between
 * checkpoints), sized for a small machine. At 1,000,000 records an import's commit (one transaction)
 * filled those buffers and every page it wrote next first forced a WAL flush and a write of its
 * own: provenance rows went in at a fifth of the speed they do in a transaction that fits, and a
 * checkpoint was forced every few minutes. Written as a file of the cluster's conf.d (Debian's
 * postgresql.conf includes it), so an operator's own settings elsewhere stay theirs; a cluster the
 * project does not manage (DATABASE_URL) is not touched.
 */
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { runCommand } from './commands.js';
import { waitUntilAccepting, CLUSTER_READY_TIMEOUT_MS, clusterLabel, type LocalCluster } from './local-cluster.js';

const MB = 1024 * 1024;

const clamp = (value: number, min: number, max: number) => Math.min(max, Math.max(min, value));
const megabytes = (bytes: number) => `${Math.floor(bytes / MB)}MB`;

/** The settings for a machine with this much memory: a quarter for shared buffers (at most 8 GB), as PostgreSQL's guide advises. */
export function clusterTuning(totalMemoryBytes: number): Record<string, string> {
  return {
    shared_buffers: megabytes(clamp(totalMemoryBytes / 4, 128 * MB, 8192 * MB)),
    effective_cache_size: megabytes(clamp(totalMemoryBytes / 2, 512 * MB, 32768 * MB)),
    maintenance_work_mem: megabytes(clamp(totalMemoryBytes / 16, 64 * MB, 1024 * MB)),
    work_mem: '16MB',
    max_wal_size: '4GB',
    checkpoint_completion_target: '0.9',
    // Short statements, many of them: compiling one costs more than it saves (see server/db/knex.ts).
    jit: 'off',
  };
}

export const TUNING_FILE = 'mo-liet-si.conf';

export function tuningText(settings: Record<string, string>): string {
  const lines = Object.entries(settings).map(([name, value]) => `${name} = '${value}'`);
  return `# Written by the martyr-grave portal's set-up (server/setup/cluster-tuning.ts) for this machine's memory.\n# Delete this file to go back to PostgreSQL's defaults; edit settings in another file of conf.d to override them.\n${lines.join('\n')}\n`;
}

export const tuningPath = (cluster: Pick<LocalCluster, 'version' | 'name'>) => path.join('/etc/postgresql', cluster.version, cluster.name, 'conf.d', TUNING_FILE);

/**
 * Writes the settings file when it is missing or says something else, and restarts a running
 * cluster for it (shared_buffers is read at start only). True when it changed anything.
 */
export async function tuneCluster(cluster: LocalCluster, logger: { info: (o: object, m: string) => void }): Promise<boolean> {
  const file = tuningPath(cluster);
  if (!existsSync(path.dirname(file))) return false;
  const text = tuningText(clusterTuning(os.totalmem()));
  const current = await readFile(file, 'utf8').catch(() => undefined);
  if (current === text) return false;
  await writeFile(file, text, { mode: 0o644 });
  logger.info({ cluster: clusterLabel(cluster), file }, 'PostgreSQL memory settings written for this machine');
  if (cluster.running) {
    logger.info({ cluster: clusterLabel(cluster) }, 'restarting the local PostgreSQL cluster for its new settings');
    await runCommand('pg_ctlcluster', ['--skip-systemctl-redirect', cluster.version, cluster.name, 'restart'], { timeoutMs: 120_000 });
    await waitUntilAccepting(cluster.port, CLUSTER_READY_TIMEOUT_MS, clusterLabel(cluster));
  }
  return true;
}
