/**
 * Drains search_outbox into Meilisearch. Rows are claimed with FOR UPDATE SKIP LOCKED (several
 * app servers may drain at once), their records rebuilt from PostgreSQL, sent, and marked done only
 * after Meilisearch reports success; on failure they stay pending and the drain backs off.
 */
import type { Db, Knex } from '../db/knex.js';
import type { Logger } from '../logger.js';
import type { Meilisearch } from './client.js';
import { graveDocumentId, graveDocuments, martyrDocumentId, martyrDocuments } from './documents.js';
import { writeDocuments } from './index-writer.js';

const BATCH = 500;
const IDLE_POLL_MS = 200;
const MAX_BACKOFF_MS = 30_000;
/** Processed rows are kept a day: a rebuild replays the recent ones (see reindex.ts). */
const RETENTION = '1 day';

type OutboxRow = { id: number; entity_type: 'martyr' | 'grave' | 'cemetery'; entity_id: number };

/** The martyrs and graves whose documents a batch of changes touches. */
async function affectedRecords(trx: Knex, rows: OutboxRow[]): Promise<{ martyrIds: number[]; graveIds: number[] }> {
  const ids = (type: string) => rows.filter((r) => r.entity_type === type).map((r) => Number(r.entity_id));
  const cemeteryIds = ids('cemetery');
  const graveIds = new Set(ids('grave'));
  const martyrIds = new Set(ids('martyr'));
  if (cemeteryIds.length) {
    const { rows: graves } = await trx.raw<{ rows: { id: number }[] }>('SELECT id FROM graves WHERE cemetery_id = ANY(?::bigint[])', [cemeteryIds]);
    for (const g of graves) graveIds.add(Number(g.id));
  }
  if (graveIds.size) {
    // A grave's position, plot, cemetery or photo is folded into the documents of its martyrs.
    const { rows: martyrs } = await trx.raw<{ rows: { id: number }[] }>('SELECT id FROM martyrs WHERE grave_id = ANY(?::bigint[])', [[...graveIds]]);
    for (const m of martyrs) martyrIds.add(Number(m.id));
  }
  return { martyrIds: [...martyrIds], graveIds: [...graveIds] };
}

/** Sends the current state of these records to the index: upserts what is public, deletes the rest. */
export async function syncRecords(trx: Knex, meili: Meilisearch, indexUid: string, martyrIds: number[], graveIds: number[]): Promise<{ upserted: number; deleted: number }> {
  const docs = [...(await martyrDocuments(trx, martyrIds)), ...(await graveDocuments(trx, graveIds))];
  const present = new Set(docs.map((d) => d.id));
  const deletions = [...martyrIds.map(martyrDocumentId), ...graveIds.map(graveDocumentId)].filter((id) => !present.has(id));
  await writeDocuments(meili, indexUid, docs, deletions);
  return { upserted: docs.length, deleted: deletions.length };
}

/** One batch: claim, sync, mark done. Returns how many outbox rows it handled. */
export async function drainOnce(db: Db, meili: Meilisearch, indexUid: string, logger: Logger): Promise<number> {
  let claimed: OutboxRow[] = [];
  try {
    return await db.transaction(async (trx) => {
      const { rows } = await trx.raw<{ rows: OutboxRow[] }>(
        `SELECT id, entity_type, entity_id FROM search_outbox
         WHERE processed_at IS NULL ORDER BY id LIMIT ? FOR UPDATE SKIP LOCKED`,
        [BATCH],
      );
      claimed = rows;
      if (!rows.length) return 0;
      const { martyrIds, graveIds } = await affectedRecords(trx, rows);
      const result = await syncRecords(trx, meili, indexUid, martyrIds, graveIds);
      await trx.raw('UPDATE search_outbox SET processed_at = now(), attempts = attempts + 1, last_error = NULL WHERE id = ANY(?::bigint[])', [rows.map((r) => r.id)]);
      logger.debug({ rows: rows.length, ...result }, 'search outbox drained');
      return rows.length;
    });
  } catch (error) {
    if (claimed.length) {
      await db
        .raw('UPDATE search_outbox SET attempts = attempts + 1, last_error = ? WHERE id = ANY(?::bigint[]) AND processed_at IS NULL', [
          String((error as Error).message).slice(0, 500),
          claimed.map((r) => r.id),
        ])
        .catch(() => undefined);
    }
    throw error;
  }
}

export type OutboxDrain = { stop(): Promise<void>; /** Drains until nothing is pending (tests, CLI). */ flush(): Promise<void> };

/** Runs the drain in the background until stopped. */
export function startOutboxDrain(db: Db, meili: Meilisearch, indexUid: string, logger: Logger): OutboxDrain {
  let stopped = false;
  let backoff = 0;
  let lastCleanup = 0;
  let wake: (() => void) | undefined;
  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });

  const loop = (async () => {
    while (!stopped) {
      try {
        const handled = await drainOnce(db, meili, indexUid, logger);
        if (backoff) logger.info('search outbox drain recovered');
        backoff = 0;
        if (Date.now() - lastCleanup > 600_000) {
          lastCleanup = Date.now();
          await db.raw(`DELETE FROM search_outbox WHERE processed_at < now() - interval '${RETENTION}'`);
        }
        if (handled === 0) await sleep(IDLE_POLL_MS);
      } catch (error) {
        backoff = Math.min(MAX_BACKOFF_MS, backoff ? backoff * 2 : 500);
        logger.warn({ err: error, retryInMs: backoff }, 'search outbox drain failed; will retry');
        await sleep(backoff);
      }
    }
  })();

  return {
    async stop() {
      stopped = true;
      wake?.();
      await loop;
    },
    async flush() {
      while ((await drainOnce(db, meili, indexUid, logger)) > 0) {
        // keep going until the outbox is empty
      }
    },
  };
}
