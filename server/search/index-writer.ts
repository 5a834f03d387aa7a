/**
 * Writes to a Meilisearch index and waits for each task to finish: a write only counts once
 * Meilisearch reports it succeeded. Re-sending a document replaces it, so writes can be repeated.
 */
import type { EnqueuedTaskPromise, Task } from 'meilisearch';
import type { Meilisearch } from './client.js';
import { meilisearchUnavailable } from './engine-errors.js';
import type { SearchDocument } from './documents.js';
import { INDEX_SETTINGS } from './index-settings.js';

export const PRIMARY_KEY = 'id';

export class SearchTaskError extends Error {
  constructor(readonly task: Task) {
    super(`Meilisearch task ${task.uid} (${task.type}) ${task.status}: ${task.error?.message ?? 'no detail'}`);
    this.name = 'SearchTaskError';
  }
}

const POLL_MS = 25;

/**
 * Waits for an enqueued task and throws unless it succeeded. Polls itself rather than through the
 * client's waitTask, which leaves one abort listener per poll on its timeout signal (thousands in
 * a long rebuild).
 */
export async function settled(meili: Meilisearch, enqueued: EnqueuedTaskPromise | { taskUid: number }, timeoutMs = 120_000): Promise<Task> {
  const { taskUid } = await enqueued;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const task = await taskOrNothing(meili, taskUid, deadline);
    if (!task) continue;
    if (task.status === 'succeeded') return task;
    if (task.status !== 'enqueued' && task.status !== 'processing') throw new SearchTaskError(task);
    if (Date.now() > deadline) throw new Error(`Meilisearch task ${taskUid} (${task.type}) still ${task.status} after ${timeoutMs / 1000} s`);
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

/**
 * One look at a task. Meilisearch can be slow to answer while it writes a large batch to disk: a
 * look that times out or loses its connection before the deadline is only a look missed (nothing
 * was written by it), so the caller looks again; an answer with an error status is thrown.
 */
async function taskOrNothing(meili: Meilisearch, taskUid: number, deadline: number): Promise<Task | undefined> {
  try {
    return await meili.tasks.getTask(taskUid);
  } catch (error) {
    if (!meilisearchUnavailable(error) || Date.now() > deadline) throw error;
    await new Promise((resolve) => setTimeout(resolve, 250));
    return undefined;
  }
}

/**
 * Sends a write (it answers with a task) again when Meilisearch could not take it: the connection
 * broke (EPIPE, reset) or the answer was too slow, as happens in a long rebuild on a busy machine.
 * Only for writes that may be repeated (documents replace themselves); other errors throw at once.
 */
export async function enqueueWithRetries<T>(write: () => Promise<T>, waitsMs: readonly number[] = [1000, 3000, 9000]): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await write();
    } catch (error) {
      if (!meilisearchUnavailable(error) || attempt >= waitsMs.length) throw error;
      await new Promise((resolve) => setTimeout(resolve, waitsMs[attempt]));
    }
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
