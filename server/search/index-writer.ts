/**
 * Writes to a Meilisearch index and waits for each task to finish: a write only counts once
 * Meilisearch reports it succeeded. Re-sending a document replaces it, so writes can be repeated.
 */
import type { EnqueuedTaskPromise, Task } from 'meilisearch';
import type { Meilisearch } from './client.js';
import type { SearchDocument } from './documents.js';
import { meilisearchUnavailable } from './engine-errors.js';
import { INDEX_SETTINGS } from './index-settings.js';

export const PRIMARY_KEY = 'id';

export class SearchTaskError extends Error {
  constructor(readonly task: Task) {
    super(`Meilisearch task ${task.uid} (${task.type}) ${task.status}: ${task.error?.message ?? 'no detail'}`);
    this.name = 'SearchTaskError';
  }
}

/** The first poll comes soon (a small write is done in tens of milliseconds: freshness), later ones less often. */
const POLL_MS = 25;
const MAX_POLL_MS = 200;

/**
 * Waits for an enqueued task and throws unless it succeeded. Polls itself rather than through the
 * client's waitTask, which leaves one abort listener per poll on its timeout signal (thousands in
 * a long rebuild).
 *
 * A poll that Meilisearch does not answer in time (the client's 5 s timeout, a reset connection)
 * is asked again until the deadline: the task is already in the queue and asking about it changes
 * nothing. A million-record rebuild on a loaded two-core machine stopped at 100,000 documents on
 * one such poll, with every batch still being indexed. Polls slow down to MAX_POLL_MS, so the
 * batches a rebuild keeps in flight do not ask hundreds of times a second.
 */
export async function settled(meili: Meilisearch, enqueued: EnqueuedTaskPromise, timeoutMs = 120_000): Promise<Task> {
  const { taskUid } = await enqueued;
  const deadline = Date.now() + timeoutMs;
  let wait = POLL_MS;
  for (;;) {
    let task: Task | undefined;
    try {
      task = await meili.tasks.getTask(taskUid);
    } catch (error) {
      if (!meilisearchUnavailable(error) || Date.now() > deadline) throw error;
    }
    if (task?.status === 'succeeded') return task;
    if (task && task.status !== 'enqueued' && task.status !== 'processing') throw new SearchTaskError(task);
    if (Date.now() > deadline) throw new Error(`Meilisearch task ${taskUid} (${task?.type ?? 'unknown type'}) still ${task?.status ?? 'unanswered'} after ${timeoutMs / 1000} s`);
    await new Promise((resolve) => setTimeout(resolve, wait));
    wait = Math.min(MAX_POLL_MS, Math.round(wait * 1.5));
  }
}

export async function indexExists(meili: Meilisearch, uid: string): Promise<boolean> {
  try {
    await meili.getRawIndex(uid);
    return true;
  } catch (error) {
    if ((error as { cause?: { code?: string } }).cause?.code === 'index_not_found') return false;
    throw error;
  }
}

/** Creates the index if needed and applies the settings kept in code. */
export async function ensureIndex(meili: Meilisearch, uid: string): Promise<void> {
  if (!(await indexExists(meili, uid))) await settled(meili, meili.createIndex(uid, { primaryKey: PRIMARY_KEY }));
  await settled(meili, meili.index(uid).updateSettings(INDEX_SETTINGS), 600_000);
}

/** Upserts and deletes in one go; returns when both are applied. */
export async function writeDocuments(meili: Meilisearch, uid: string, upserts: SearchDocument[], deletions: string[]): Promise<void> {
  const index = meili.index<SearchDocument>(uid);
  if (upserts.length) await settled(meili, index.addDocuments(upserts, { primaryKey: PRIMARY_KEY }));
  if (deletions.length) await settled(meili, index.deleteDocuments(deletions));
}
