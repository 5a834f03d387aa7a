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

/** Records synced per request to Meilisearch: a cemetery of 10,000 graves goes in several. */
const CHUNK = 2000;

/**
 * The martyrs and graves whose documents a batch of changes touches, in chunks of at most CHUNK
 * graves, so a change to a large cemetery never builds all its documents at once.
 */
async function* affectedRecords(trx: Knex, rows: OutboxRow[]): AsyncGenerator<{ martyrIds: number[]; graveIds: number[] }> {
  const ids = (type: string) => [...new Set(rows.filter((r) => r.entity_type === type).map((r) => Number(r.entity_id)))];
  const martyrsOfGraves = async (graveIds: number[]) =>
    // A grave's position, plot, cemetery or photo is folded into the documents of its martyrs.
    (await trx.raw<{ rows: { id: number }[] }>('SELECT id FROM martyrs WHERE grave_id = ANY(?::bigint[])', [graveIds])).rows.map((m) => Number(m.id));

  const graveIds = ids('grave');
  const martyrIds = ids('martyr');
  for (let i = 0; i < Math.max(graveIds.length, martyrIds.length, 1); i += CHUNK) {
    const graves = graveIds.slice(i, i + CHUNK);
    const martyrs = [...new Set([...martyrIds.slice(i, i + CHUNK), ...(graves.length ? await martyrsOfGraves(graves) : [])])];
    if (graves.length || martyrs.length) yield { martyrIds: martyrs, graveIds: graves };
  }
  for (const cemeteryId of ids('cemetery')) {
    let after = 0;
    for (;;) {
      const { rows: page } = await trx.raw<{ rows: { id: number }[] }>('SELECT id FROM graves WHERE cemetery_id = ? AND id > ? ORDER BY id LIMIT ?', [cemeteryId, after, CHUNK]);
      if (!page.length) break;
      after = Number(page[page.length - 1]!.id);
      const graves = page.map((g) => Number(g.id));
      yield { martyrIds: await martyrsOfGraves(graves), graveIds: graves };
    }
  }
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
      const result = { upserted: 0, deleted: 0 };
      for await (const chunk of affectedRecords(trx, rows)) {
        const sent = await syncRecords(trx, meili, indexUid, chunk.martyrIds, chunk.graveIds);
        result.upserted += sent.upserted;
        result.deleted += sent.deleted;
      }
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
