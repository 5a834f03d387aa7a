/**
 * Waiting for a Meilisearch task against a real process that stops answering for a while (SIGSTOP,
 * as a long disk write under load looks from outside): a look that times out is looked again, so a
 * million-record rebuild does not fail on one slow answer; a task that fails, or an engine still
 * silent at the deadline, is still an error.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMeiliClient, type Meilisearch } from '../../server/search/client.js';
import { enqueueWithRetries, ensureIndex, SearchTaskError, settled } from '../../server/search/index-writer.js';
import { startMeiliProcess } from '../../server/setup/meilisearch-process.js';
import { silentLogger } from '../support/services.js';

describe('waiting for a Meilisearch task', () => {
  let dir: string;
  let own: Awaited<ReturnType<typeof startMeiliProcess>>;
  let meili: Meilisearch;
  const uid = 'writer_test';

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'mls-writer-'));
    own = await startMeiliProcess({ dir, logger: silentLogger, restartOnCrash: false, maxIndexingMemory: '256MiB' });
    // A short request timeout, so a frozen engine makes the looks time out.
    meili = createMeiliClient(own.url, own.masterKey, 300);
    await ensureIndex(createMeiliClient(own.url, own.masterKey, 60_000), uid);
  });

  afterAll(async () => {
    await own?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('looks again when the engine stops answering for a while, and returns the task once it succeeded', async () => {
    const enqueued = await meili.index(uid).addDocuments([{ id: 'a', full_name: 'Nguyễn Văn Thành' }]);
    process.kill(own.pid!, 'SIGSTOP');
    const thawed = new Promise<void>((resolve) => setTimeout(() => { process.kill(own.pid!, 'SIGCONT'); resolve(); }, 1500));
    try {
      const task = await settled(meili, enqueued, 30_000);
      expect(task.status).toBe('succeeded');
    } finally {
      await thawed;
    }
    expect((await meili.index(uid).getDocument('a')).full_name).toBe('Nguyễn Văn Thành');
  });

  it('still fails on a task that failed, at once', async () => {
    // Accepted as a task, refused when processed: a document id may not hold a space.
    const bad = meili.index(uid).addDocuments([{ id: 'not an id', full_name: 'x' }]);
    await expect(settled(meili, bad, 30_000)).rejects.toBeInstanceOf(SearchTaskError);
  });

  it('gives up when the engine is still silent at the deadline', async () => {
    const enqueued = await meili.index(uid).addDocuments([{ id: 'b', full_name: 'Trần Văn Bình' }]);
    process.kill(own.pid!, 'SIGSTOP');
    try {
      await expect(settled(meili, enqueued, 1000)).rejects.toThrow();
    } finally {
      process.kill(own.pid!, 'SIGCONT');
    }
  });

  it('sends a write again when the engine could not take it, and not when it refused it', async () => {
    process.kill(own.pid!, 'SIGSTOP');
    setTimeout(() => process.kill(own.pid!, 'SIGCONT'), 1000);
    const enqueued = await enqueueWithRetries(() => meili.index(uid).addDocuments([{ id: 'c', full_name: 'Lê Văn Cường' }]), [500, 1000, 2000, 4000]);
    expect((await settled(meili, enqueued, 30_000)).status).toBe('succeeded');
    expect((await meili.index(uid).getDocument('c')).full_name).toBe('Lê Văn Cường');
    let tries = 0;
    await expect(enqueueWithRetries(() => { tries++; return meili.index('not a valid uid!').addDocuments([{ id: 'd' }]); }, [10, 10])).rejects.toThrow();
    expect(tries).toBe(1);
  });
});

