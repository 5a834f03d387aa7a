/**
 * /api/changes: public creations, changes and removals in commit-safe order, nothing skipped or
 * repeated across pages, with transactions that commit out of the order they began in, several
 * changes in one transaction, concurrent writers, and records that turn confidential or are deleted.
 */
import type { Express } from 'express';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSearchFixture, type SearchFixture } from '../support/search-fixtures.js';
import { createTestDatabase, testApp, type TestDatabase } from '../support/services.js';

type Entry = { cursor: string; type: string; id: number; change: 'upsert' | 'remove'; record: Record<string, unknown> | null };
type Page = { since: string; next: string; more: boolean; changes: Entry[] };

describe('the change feed', () => {
  let t: TestDatabase;
  let fx: SearchFixture;
  let app: Express;

  beforeAll(async () => {
    t = await createTestDatabase('changes');
    fx = await loadSearchFixture(t.db);
    app = await testApp(t.db);
  });
  afterAll(async () => t.drop());

  const poll = async (since: string | undefined, limit = 1000): Promise<Page> => {
    const res = await request(app).get('/api/changes').query({ ...(since ? { since } : {}), limit });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    return res.body as Page;
  };
  /** Everything from `since` on, following next until no more. */
  const drain = async (since: string | undefined, limit = 1000) => {
    const entries: Entry[] = [];
    let cursor = since;
    for (;;) {
      const page = await poll(cursor, limit);
      entries.push(...page.changes);
      cursor = page.next;
      if (!page.more) return { entries, cursor: cursor! };
    }
  };
  const martyr = async (name: string, extra: Record<string, unknown> = {}) => Number((await t.db('martyrs').insert({ full_name: name, gender: 'male', ...extra }).returning('id'))[0]!.id);

  it('lists what the fixture created, and continues from next with nothing new', async () => {
    const { entries, cursor } = await drain(undefined);
    const martyrs = entries.filter((e) => e.type === 'martyr').map((e) => e.id);
    const publicIds = (await t.db('martyrs').where({ is_public: true }).pluck('id')).map(Number);
    expect(new Set(martyrs)).toEqual(new Set(publicIds));
    // The fixture's confidential martyr never appears.
    expect(martyrs).not.toContain(fx.martyrs.confidential);
    expect(entries.filter((e) => e.type === 'cemetery').map((e) => e.id).sort()).toEqual([fx.cemeteries.truongSon, fx.cemeteries.haTinh].sort());
    const again = await poll(cursor);
    expect(again.changes).toEqual([]);
    expect(again.next).toBe(cursor);
  });

  it('sends an edit as an upsert with the public record, and confidential or deleted as removals', async () => {
    const { cursor: start } = await drain(undefined);
    const id = await martyr('Đặng Văn Theo Dõi', { death_year: 1968 });
    const created = await drain(start);
    expect(created.entries).toEqual([expect.objectContaining({ type: 'martyr', id, change: 'upsert', record: expect.objectContaining({ fullName: 'Đặng Văn Theo Dõi', deathDate: '1968' }) })]);

    await t.db('martyrs').where({ id }).update({ internal_notes: 'chỉ nội bộ' });
    expect((await drain(created.cursor)).entries, 'an internal note is no public change').toEqual([]);

    await t.db('martyrs').where({ id }).update({ unit: 'E141' });
    const edited = await drain(created.cursor);
    expect(edited.entries).toEqual([expect.objectContaining({ id, change: 'upsert', record: expect.objectContaining({ unit: 'E141' }) })]);

    await t.db('martyrs').where({ id }).update({ is_public: false });
    const hidden = await drain(edited.cursor);
    expect(hidden.entries).toEqual([expect.objectContaining({ type: 'martyr', id, change: 'remove', record: null })]);
    expect(JSON.stringify(hidden.entries)).not.toContain('Theo Dõi');

    const graveId = fx.graves.unknown;
    const [grave] = await t.db('graves').where({ id: graveId }).select('*');
    await t.db('graves').where({ id: graveId }).update({ plot_number: '777' });
    const moved = await drain(hidden.cursor);
    expect(moved.entries).toEqual([expect.objectContaining({ type: 'grave', id: graveId, change: 'upsert', record: expect.objectContaining({ type: 'Feature', properties: expect.objectContaining({ plot_number: '777' }) }) })]);
    await t.db('graves').where({ id: graveId }).update({ plot_number: grave.plot_number });

    const doomed = await martyr('Võ Văn Sẽ Xoá');
    const before = (await drain(moved.cursor)).cursor;
    await t.db('martyrs').where({ id: doomed }).del();
    expect((await drain(before)).entries).toEqual([expect.objectContaining({ type: 'martyr', id: doomed, change: 'remove' })]);
  });

  it('never hands out a change while an older transaction is still open, then gives both in order', async () => {
    const { cursor: start } = await drain(undefined);
    const slow = await t.db.transaction();
    try {
      // The slow transaction writes first (it takes the lower transaction id) and commits last.
      const early = Number((await slow('martyrs').insert({ full_name: 'Phạm Văn Chậm', gender: 'male' }).returning('id'))[0]!.id);
      const late = await martyr('Phạm Văn Nhanh');
      const meanwhile = await drain(start);
      expect(meanwhile.entries.map((e) => e.id), 'the quick commit waits behind the open one').toEqual([]);
      expect(meanwhile.cursor).toBe(start);
      await slow.commit();
      const after = await drain(start);
      expect(after.entries.map((e) => e.id)).toEqual([early, late]);
    } finally {
      if (!slow.isCompleted()) await slow.rollback();
    }
  });

  it('pages through changes of one transaction without losing or repeating one', async () => {
    const { cursor: start } = await drain(undefined);
    const ids = await t.db.transaction(async (trx) => (await trx('martyrs').insert(Array.from({ length: 7 }, (_, i) => ({ full_name: `Lò Văn Cùng Lúc ${i}`, gender: 'male' }))).returning('id')).map((r) => Number(r.id)));
    const { entries } = await drain(start, 2);
    expect(entries.map((e) => e.id)).toEqual(ids);
  });

  it('keeps every change of concurrent writers exactly once while a reader polls', async () => {
    const { cursor: start } = await drain(undefined);
    const written: number[] = [];
    let writing = true;
    const writer = async (w: number) => {
      for (let i = 0; i < 15; i++) {
        await t.db.transaction(async (trx) => {
          const [row] = await trx('martyrs').insert({ full_name: `Người Viết ${w} Lần ${i}`, gender: 'male' }).returning('id');
          // Hold the transaction a little, so commits interleave out of start order.
          await trx.raw('SELECT pg_sleep(?)', [Math.random() * 0.02]);
          written.push(Number(row!.id));
        });
      }
    };
    const seen: Entry[] = [];
    const reader = async () => {
      let cursor = start;
      for (;;) {
        const stillWriting = writing;
        const page = await poll(cursor, 5);
        seen.push(...page.changes);
        cursor = page.next;
        if (!stillWriting && !page.more) return;
      }
    };
    const readerDone = reader();
    await Promise.all([1, 2, 3, 4].map(writer));
    writing = false;
    await readerDone;
    const martyrIds = seen.filter((e) => e.type === 'martyr').map((e) => e.id);
    expect(martyrIds.length).toBe(new Set(martyrIds).size);
    expect(new Set(martyrIds)).toEqual(new Set(written));
    const cursors = seen.map((e) => e.cursor);
    expect(new Set(cursors).size).toBe(cursors.length);
  });

  it('refuses a malformed cursor or limit in the API error shape', async () => {
    for (const query of ['since=not-a-cursor', `since=${Buffer.from('12.x').toString('base64url')}`, 'limit=0', 'limit=20000', 'limit=lots', 'colour=red']) {
      const res = await request(app).get(`/api/changes?${query}`);
      expect(res.status, query).toBe(400);
      expect(res.body.error, query).toEqual(expect.objectContaining({ code: expect.any(String), message: expect.any(String) }));
    }
  });
});
