/**
 * Rebuilds the whole index from PostgreSQL with no downtime: documents go into a new index with the
 * settings applied first, then the new index is swapped with the live one atomically, and the old
 * one deleted. Searches keep answering from the live index throughout.
 *
 * A swap does not carry over what was written to the old index during the rebuild. So after the
 * swap every outbox row since shortly before the rebuild began is marked pending again and drained
 * into the new live index: sending is idempotent (documents are rebuilt from the current rows), so
 * re-sending is always safe, and a change committed during the rebuild is never lost.
 */
import type { Db } from '../db/knex.js';
import type { Logger } from '../logger.js';
import type { Meilisearch } from './client.js';
import { graveDocuments, martyrDocuments, type SearchDocument } from './documents.js';
import { enqueueWithRetries, ensureIndex, indexExists, PRIMARY_KEY, settled } from './index-writer.js';

const PAGE = 10_000;
/** Batches of PAGE documents allowed to wait in Meilisearch's queue at once. */
const MAX_PENDING = 12;
/** Transactions that began this long before the rebuild and committed during it are replayed too. */
const REPLAY_MARGIN = '10 minutes';
/** Only one rebuild at a time across every process sharing the database. */
const REINDEX_LOCK_KEY = 727_001;

export type ReindexResult = { documents: number; martyrs: number; graves: number; ms: number; docsPerSecond: number; replayed: number };

async function* pagesOfIds(db: Db, table: 'public_martyrs' | 'public_headstones', where: string): AsyncGenerator<number[]> {
  let after = 0;
  for (;;) {
    const { rows } = await db.raw<{ rows: { id: number }[] }>(`SELECT id FROM ?? WHERE id > ? AND ${where} ORDER BY id LIMIT ?`, [table, after, PAGE]);
    if (!rows.length) return;
    after = Number(rows[rows.length - 1]!.id);
    yield rows.map((r) => Number(r.id));
  }
}

export async function reindex(db: Db, meili: Meilisearch, liveUid: string, logger: Logger, onProgress?: (documents: number) => void): Promise<ReindexResult> {
  const lock = await db.client.acquireConnection();
  try {
    const { rows: locked } = await db.raw<{ rows: { ok: boolean }[] }>('SELECT pg_try_advisory_lock(?) AS ok', [REINDEX_LOCK_KEY]).connection(lock);
    if (!locked[0]?.ok) throw new Error('Another rebuild of the search index is running.');
    return await rebuild(db, meili, liveUid, logger, onProgress);
  } finally {
    await db.raw('SELECT pg_advisory_unlock(?)', [REINDEX_LOCK_KEY]).connection(lock).catch(() => undefined);
    await db.client.releaseConnection(lock);
  }
}

async function rebuild(db: Db, meili: Meilisearch, liveUid: string, logger: Logger, onProgress?: (documents: number) => void): Promise<ReindexResult> {
  const started = Date.now();
  const { rows: clock } = await db.raw<{ rows: { now: string }[] }>('SELECT now()::text AS now');
  const startedAt = clock[0]!.now;
  const buildUid = `${liveUid}_build_${Date.now()}`;
  await ensureIndex(meili, buildUid);
  const index = meili.index<SearchDocument>(buildUid);

  // Batches are enqueued without waiting for each to be indexed: Meilisearch merges consecutive
  // document additions into one indexing batch, far faster than one at a time. At most
  // MAX_PENDING batches wait in its queue, which bounds the memory and disk the queue takes.
  const pending: Array<Promise<unknown>> = [];
  let martyrs = 0;
  let graves = 0;
  const send = async (docs: SearchDocument[]) => {
    if (!docs.length) return;
    // The request itself, sent again if the connection broke: the batch is in Meilisearch's queue.
    const enqueued = await enqueueWithRetries(() => index.addDocuments(docs, { primaryKey: PRIMARY_KEY }));
    const done = settled(meili, enqueued, 3_600_000);
    done.catch(() => undefined); // observed below; this only keeps Node from calling it unhandled meanwhile
    pending.push(done);
    if (pending.length > MAX_PENDING) await pending.shift();
    onProgress?.(martyrs + graves);
  };
  try {
    for await (const ids of pagesOfIds(db, 'public_martyrs', 'true')) {
      const docs = await martyrDocuments(db, ids);
      martyrs += docs.length;
      await send(docs);
    }
    for await (const ids of pagesOfIds(db, 'public_headstones', "state <> 'identified'")) {
      const docs = await graveDocuments(db, ids);
      graves += docs.length;
      await send(docs);
    }
    await Promise.all(pending);

    const liveExists = await indexExists(meili, liveUid);
    await settled(meili, meili.swapIndexes([{ indexes: [liveUid, buildUid], rename: !liveExists }]));
    if (liveExists) await settled(meili, meili.deleteIndex(buildUid));
  } catch (error) {
    await meili.deleteIndexIfExists(buildUid).catch(() => undefined);
    throw error;
  }

  const replayed = await db.raw<{ rowCount: number }>(
    `UPDATE search_outbox SET processed_at = NULL
     WHERE processed_at IS NOT NULL AND created_at >= ?::timestamptz - interval '${REPLAY_MARGIN}'`,
    [startedAt],
  );
  const ms = Date.now() - started;
  const documents = martyrs + graves;
  const result = { documents, martyrs, graves, ms, docsPerSecond: Math.round((documents / ms) * 1000), replayed: replayed.rowCount ?? 0 };
  logger.info(result, 'search index rebuilt and swapped in');
  return result;
}
