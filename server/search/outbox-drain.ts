/**
 * Drains search_outbox into Meilisearch, in three short steps so no lock or transaction is held
 * while Meilisearch works (its tasks may take up to 120 s): claim a batch with a lease (several
 * app servers may drain at once; SKIP LOCKED keeps them apart), rebuild the records from
 * PostgreSQL and send them, then mark the rows done. A crash between steps leaves the rows claimed
 * until the lease ends; they are then sent again, which is harmless: documents are rebuilt from the
 * current state and re-sending replaces them.
 *
 * A batch that fails while both services answer is split in halves until the failing rows stand
 * alone, so one bad row never holds back the others. A row failing alone is retried later, with a
 * growing delay, and parked (a dead letter the staff home shows admins) after maxAttempts. When
 * Meilisearch or PostgreSQL does not answer, the whole batch goes back as it was and the drain
 * backs off: an outage parks nothing.
 */
import type { Db, Knex } from '../db/knex.js';
import type { Logger } from '../logger.js';
import type { Meilisearch } from './client.js';
import { graveDocumentId, graveDocuments, martyrDocumentId, martyrDocuments, type SearchDocument } from './documents.js';
import { writeDocuments } from './index-writer.js';
import { claimOutboxRows, deleteProcessedOutboxRows, markOutboxDone, releaseOutboxRows, type OutboxRow } from './outbox.queries.js';

/**
 * Outbox rows claimed at once. An import commits tens of thousands of records together; each claim
 * costs a Meilisearch task and its wait, so a claim takes several requests' worth (CHUNK each),
 * whose building and indexing overlap (sendRows).
 */
const BATCH = 20_000;

const IDLE_POLL_MS = 200;
const MAX_BACKOFF_MS = 30_000;
/** Processed rows are kept a day: a rebuild replays the recent ones (see reindex.ts). */
const RETENTION = '1 day';

export type DrainOptions = {
  /** Attempts after which a row that fails on its own is parked (OUTBOX_MAX_ATTEMPTS). */
  maxAttempts?: number;
  /** First delay before a failed row is tried again; doubled at each attempt, up to MAX_RETRY_SECONDS. */
  retryBaseSeconds?: number;
  /** How long a claim lasts: longer than a batch takes (each Meilisearch task may take 120 s). */
  leaseSeconds?: number;
};

const DEFAULTS: Required<DrainOptions> = { maxAttempts: 10, retryBaseSeconds: 5, leaseSeconds: 600 };
const MAX_RETRY_SECONDS = 600;

/**
 * Records synced per request to Meilisearch: a cemetery of 10,000 graves goes in two. Each batch
 * Meilisearch indexes pays a second or two at 1,000,000 records whatever its size (committing, the
 * facets), so fewer, larger ones: 2,000 made a 100,000-record import wait two minutes.
 */
const CHUNK = 5000;

/**
 * The martyrs and graves whose documents a batch of changes touches, in chunks of at most CHUNK
 * graves, so a change to a large cemetery never builds all its documents at once.
 */
async function* affectedRecords(trx: Knex, rows: readonly OutboxRow[]): AsyncGenerator<{ martyrIds: number[]; graveIds: number[] }> {
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

/** The current state of these records as the index should hold it: documents of what is public, ids of the rest. */
async function recordsState(trx: Knex, martyrIds: number[], graveIds: number[]): Promise<{ docs: SearchDocument[]; deletions: string[] }> {
  const docs = [...(await martyrDocuments(trx, martyrIds)), ...(await graveDocuments(trx, graveIds))];
  const present = new Set(docs.map((d) => d.id));
  const deletions = [...martyrIds.map(martyrDocumentId), ...graveIds.map(graveDocumentId)].filter((id) => !present.has(id));
  return { docs, deletions };
}

/** Sends the current state of these records to the index: upserts what is public, deletes the rest. */
export async function syncRecords(trx: Knex, meili: Meilisearch, indexUid: string, martyrIds: number[], graveIds: number[]): Promise<{ upserted: number; deleted: number }> {
  const { docs, deletions } = await recordsState(trx, martyrIds, graveIds);
  await writeDocuments(meili, indexUid, docs, deletions);
  return { upserted: docs.length, deleted: deletions.length };
}

/** Meilisearch or PostgreSQL did not answer: the batch waits for them, no row is blamed. */
export class OutboxDeliveryUnavailable extends Error {
  constructor(override readonly cause: unknown) {
    super(`search outbox delivery paused: ${(cause as Error)?.message ?? String(cause)}`);
    this.name = 'OutboxDeliveryUnavailable';
  }
}

async function bothAnswer(db: Db, meili: Meilisearch): Promise<boolean> {
  try {
    await db.raw('SELECT 1');
    return (await meili.health()).status === 'available';
  } catch {
    return false;
  }
}

/**
 * Chunk writes Meilisearch may hold at once. It indexes queued additions together, as one batch,
 * and each batch pays for the index's word and prefix structures anew: one chunk at a time, a
 * 100,000-record import went in 48 batches.
 */
const IN_FLIGHT = 4;

/**
 * Sends the records of these rows, CHUNK at a time. The next chunks are built (PostgreSQL, then the
 * documents) and queued while Meilisearch indexes the earlier ones, instead of one waiting for the
 * other; Meilisearch applies them in the order they were queued. A failure is the batch's: every
 * write is awaited before it is judged.
 */
async function sendRows(db: Db, meili: Meilisearch, indexUid: string, rows: OutboxRow[]): Promise<{ upserted: number; deleted: number }> {
  const result = { upserted: 0, deleted: 0 };
  const inFlight: Promise<void>[] = [];
  try {
    for await (const chunk of affectedRecords(db, rows)) {
      const { docs, deletions } = await recordsState(db, chunk.martyrIds, chunk.graveIds);
      if (inFlight.length >= IN_FLIGHT) await inFlight.shift();
      const write = writeDocuments(meili, indexUid, docs, deletions);
      // Its failure is awaited below or when its turn comes; until then it is not an unhandled rejection.
      write.catch(() => undefined);
      inFlight.push(write);
      result.upserted += docs.length;
      result.deleted += deletions.length;
    }
    for (const write of inFlight.splice(0)) await write;
  } finally {
    // A chunk that failed to build leaves the ones in flight to finish (or fail) before the rows are judged.
    await Promise.allSettled(inFlight);
  }
  return result;
}

type Delivery = { done: OutboxRow[]; failed: Array<{ row: OutboxRow; error: unknown }> };

/** Sends rows, halving a failing set until each failing row stands alone. */
async function deliver(db: Db, meili: Meilisearch, indexUid: string, rows: OutboxRow[], into: Delivery): Promise<void> {
  try {
    await sendRows(db, meili, indexUid, rows);
    into.done.push(...rows);
  } catch (error) {
    if (!(await bothAnswer(db, meili))) throw new OutboxDeliveryUnavailable(error);
    if (rows.length === 1) {
      into.failed.push({ row: rows[0]!, error });
      return;
    }
    const half = Math.ceil(rows.length / 2);
    await deliver(db, meili, indexUid, rows.slice(0, half), into);
    await deliver(db, meili, indexUid, rows.slice(half), into);
  }
}

/** The error as an admin reads it: knex puts the whole SQL text before a database error's own message. */
const messageOf = (error: unknown) => {
  const message = String((error as Error)?.message ?? error);
  const sqlEnds = message.lastIndexOf(' - ');
  return error && typeof error === 'object' && 'severity' in error && sqlEnds >= 0 ? message.slice(sqlEnds + 3) : message;
};

/**
 * One batch: claim, send, mark done (and put failures back). Returns how many rows it claimed;
 * throws OutboxDeliveryUnavailable, after putting the batch back, when a service does not answer.
 */
export async function drainOnce(db: Db, meili: Meilisearch, indexUid: string, logger: Logger, options: DrainOptions = {}): Promise<number> {
  const { maxAttempts, retryBaseSeconds, leaseSeconds } = { ...DEFAULTS, ...options };
  const rows = await claimOutboxRows(db, BATCH, leaseSeconds);
  if (!rows.length) return 0;
  const delivery: Delivery = { done: [], failed: [] };
  try {
    await deliver(db, meili, indexUid, rows, delivery);
  } catch (error) {
    await markOutboxDone(db, delivery.done.map((r) => r.id));
    const settled = new Set([...delivery.done, ...delivery.failed.map((f) => f.row)]);
    await releaseOutboxRows(db, rows.filter((r) => !settled.has(r)).map((r) => r.id), messageOf((error as OutboxDeliveryUnavailable).cause ?? error), 0, false);
    await putBack(db, delivery.failed, maxAttempts, retryBaseSeconds, logger);
    throw error;
  }
  await markOutboxDone(db, delivery.done.map((r) => r.id));
  await putBack(db, delivery.failed, maxAttempts, retryBaseSeconds, logger);
  logger.debug({ rows: rows.length, failed: delivery.failed.length }, 'search outbox drained');
  return rows.length;
}

/** Rows that failed on their own: retried after a growing delay, or parked once out of attempts. */
async function putBack(db: Db, failed: Delivery['failed'], maxAttempts: number, retryBaseSeconds: number, logger: Logger): Promise<void> {
  for (const { row, error } of failed) {
    const park = row.attempts >= maxAttempts;
    const retryIn = Math.min(MAX_RETRY_SECONDS, retryBaseSeconds * 2 ** (row.attempts - 1));
    await releaseOutboxRows(db, [row.id], messageOf(error), retryIn, park);
    if (park) logger.error({ outboxId: row.id, entity: row.entity_type, entityId: row.entity_id, attempts: row.attempts, err: error }, 'search outbox row parked after repeated failures');
    else logger.warn({ outboxId: row.id, attempts: row.attempts, retryInSeconds: retryIn, err: error }, 'search outbox row failed; will retry');
  }
}

export type OutboxDrain = { stop(): Promise<void>; /** Drains until nothing is pending (tests, CLI). */ flush(): Promise<void> };

/** Runs the drain in the background until stopped. */
export function startOutboxDrain(db: Db, meili: Meilisearch, indexUid: string, logger: Logger, options: DrainOptions = {}): OutboxDrain {
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
        const handled = await drainOnce(db, meili, indexUid, logger, options);
        if (backoff) logger.info('search outbox drain recovered');
        backoff = 0;
        if (Date.now() - lastCleanup > 600_000) {
          lastCleanup = Date.now();
          await deleteProcessedOutboxRows(db, RETENTION);
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
      while ((await drainOnce(db, meili, indexUid, logger, options)) > 0) {
        // keep going until the outbox is empty
      }
    },
  };
}
