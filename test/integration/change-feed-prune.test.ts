/**
 * The change feed's retention (the `change-feed-prune` job's pruneChangeFeed): rows older than the
 * kept days go as one prefix of the log, recent ones stay, and a cursor the log no longer holds the
 * whole continuation of is answered 410 cursor_expired, never with a page that skips. Ages are
 * given by moving `at` back, so nothing waits for days to pass.
 */
import type { Express } from 'express';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startJobs } from '../../server/jobs/jobs.js';
import { CHANGE_FEED_PRUNE_CRON, CHANGE_FEED_PRUNE_JOB } from '../../server/opendata/changes.job.js';
import { pruneChangeFeed } from '../../server/opendata/changes.service.js';
import { loadSearchFixture } from '../support/search-fixtures.js';
import { createTestDatabase, silentLogger, testApp, testConfig, testMeili, type TestDatabase } from '../support/services.js';

type Page = { next: string; more: boolean; changes: { type: string; id: number; change: string }[] };

const KEPT_DAYS = 30;

describe('pruning the change feed', () => {
  let t: TestDatabase;
  let app: Express;
  /** Where the first test's consumer stands at its end. */
  let end: string;

  beforeAll(async () => {
    t = await createTestDatabase('changes_prune');
    await loadSearchFixture(t.db);
    app = await testApp(t.db, { config: testConfig({ CHANGE_FEED_RETENTION_DAYS: String(KEPT_DAYS) }) });
  });
  afterAll(async () => t.drop());

  const feed = (since: string | undefined, limit = 1000) => request(app).get('/api/changes').query({ ...(since ? { since } : {}), limit });
  const drain = async (since: string | undefined) => {
    const entries: Page['changes'] = [];
    let cursor = since;
    for (;;) {
      const res = await feed(cursor);
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      const page = res.body as Page;
      entries.push(...page.changes);
      cursor = page.next;
      if (!page.more) return { entries, cursor: cursor! };
    }
  };
  const martyr = async (name: string) => Number((await t.db('martyrs').insert({ full_name: name, gender: 'male', is_public: true }).returning('id'))[0]!.id);
  const age = (ids: number[], days: number) => t.db.raw(`UPDATE public_changes SET at = now() - make_interval(days => ?) WHERE entity_type = 'martyr' AND entity_id = ANY(?::bigint[])`, [days, ids]);
  const expectExpired = async (since: string | undefined) => {
    const res = await feed(since);
    expect(res.status, JSON.stringify(res.body)).toBe(410);
    expect(res.body.error).toEqual(expect.objectContaining({ code: 'cursor_expired', message: expect.any(String) }));
  };

  it('deletes what is older than kept, keeps what is recent, and refuses cursors before the cut', async () => {
    const firstPage = (await feed(undefined, 1)).body as Page;
    const { cursor: afterFixture } = await drain(undefined);
    const logged = Number((await t.db('public_changes').count({ n: '*' }).first())!.n);
    expect(logged).toBeGreaterThan(1);
    await t.db.raw(`UPDATE public_changes SET at = now() - make_interval(days => ?)`, [KEPT_DAYS + 10]);
    const recent = await martyr('Trần Văn Gần Đây');
    // Inside the retention: not deleted, though older than a day.
    await age([recent], KEPT_DAYS - 1);

    const pruned = await pruneChangeFeed(t.db, KEPT_DAYS);
    expect(pruned.deleted).toBe(logged);
    const left = await t.db('public_changes').select('entity_type', 'entity_id');
    expect(left).toEqual([{ entity_type: 'martyr', entity_id: recent }]);

    // A consumer that had read everything before the cut goes on as before.
    const { entries } = await drain(afterFixture);
    expect(entries).toEqual([expect.objectContaining({ type: 'martyr', id: recent, change: 'upsert' })]);
    // One that stopped inside the deleted part, or starts from the beginning, is told so.
    await expectExpired(firstPage.next);
    await expectExpired(undefined);

    // Nothing more is old enough: a second run deletes nothing and moves nothing.
    expect(await pruneChangeFeed(t.db, KEPT_DAYS)).toEqual({ deleted: 0, upTo: undefined });
    const again = await drain(afterFixture);
    expect(again.entries.map((e) => e.id)).toEqual([recent]);
    end = again.cursor;
  });

  it('cuts the log as a prefix in feed order, so a cursor is either whole or expired', async () => {
    const start = end;
    const younger = await martyr('Lê Văn Trẻ');
    const { cursor: afterYounger } = await drain(start);
    const older = await martyr('Phạm Văn Già');
    const { cursor: afterOlder } = await drain(afterYounger);
    // A row later in the log than a young one but older by the clock (a long transaction's): the
    // cut goes up to it, taking the young row before it too, rather than leaving a hole.
    await age([older], KEPT_DAYS + 1);

    expect((await pruneChangeFeed(t.db, KEPT_DAYS)).deleted).toBeGreaterThanOrEqual(2);
    expect((await t.db('public_changes').whereIn('entity_id', [younger, older]).where('entity_type', 'martyr')).length).toBe(0);
    await expectExpired(start);
    await expectExpired(afterYounger);
    const res = await feed(afterOlder);
    expect(res.status).toBe(200);
    expect((res.body as Page).changes).toEqual([]);
  });

  it('runs daily on the job queue, and a queued run prunes with the configured days', async () => {
    const jobs = await startJobs(testConfig({ DATABASE_URL: t.url, CHANGE_FEED_RETENTION_DAYS: String(KEPT_DAYS) }), t.db, silentLogger, testMeili());
    try {
      expect((await jobs.boss.getSchedules()).find((s) => s.name === CHANGE_FEED_PRUNE_JOB)).toMatchObject({ cron: CHANGE_FEED_PRUNE_CRON });
      const old = await martyr('Võ Văn Cũ');
      const kept = await martyr('Võ Văn Mới');
      await age([old], KEPT_DAYS + 1);
      const jobId = await jobs.boss.send(CHANGE_FEED_PRUNE_JOB, {});
      expect(jobId).toBeTruthy();
      const deadline = Date.now() + 30_000;
      let state: string | undefined;
      while (Date.now() < deadline && state !== 'completed' && state !== 'failed') {
        await new Promise((resolve) => setTimeout(resolve, 250));
        state = (await jobs.boss.getJobById(CHANGE_FEED_PRUNE_JOB, jobId!))?.state;
      }
      expect(state).toBe('completed');
      const left = (await t.db('public_changes').where('entity_type', 'martyr').whereIn('entity_id', [old, kept]).pluck('entity_id')).map(Number);
      expect(left).toEqual([kept]);
    } finally {
      await jobs.stop();
    }
  });
});
