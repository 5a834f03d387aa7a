import type { Db } from '../db/knex.js';
import type { Meilisearch } from '../search/client.js';
import { pingDatabase } from './health.queries.js';

export type DependencyStatus = { ok: boolean; latencyMs: number; error?: string };
export type Readiness = { ready: boolean; checks: { postgres: DependencyStatus; meilisearch: DependencyStatus } };

const CHECK_TIMEOUT_MS = 2000;

/** A dependency that did not answer in time; its message is ours, so it may be shown. */
class CheckTimeout extends Error {
  constructor() {
    super(`no answer in ${CHECK_TIMEOUT_MS} ms`);
  }
}

async function timed(check: () => Promise<unknown>): Promise<DependencyStatus> {
  const started = performance.now();
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      check(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new CheckTimeout()), CHECK_TIMEOUT_MS);
      }),
    ]);
    return { ok: true, latencyMs: Math.round(performance.now() - started) };
  } catch (error) {
    // Only the kind of failure is reported: the message of a driver error can name hosts and users.
    const message = error instanceof CheckTimeout ? error.message : 'unreachable';
    return { ok: false, latencyMs: Math.round(performance.now() - started), error: message };
  } finally {
    clearTimeout(timer);
  }
}

/** Both services answer: PostgreSQL runs a query, Meilisearch reports itself available. */
export async function checkReadiness(db: Db, meili: Meilisearch): Promise<Readiness> {
  const [postgres, meilisearch] = await Promise.all([
    timed(() => pingDatabase(db)),
    timed(async () => {
      const health = await meili.health();
      if (health.status !== 'available') throw new Error('unreachable');
    }),
  ]);
  return { ready: postgres.ok && meilisearch.ok, checks: { postgres, meilisearch } };
}
