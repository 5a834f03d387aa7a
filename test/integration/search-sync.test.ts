/**
 * PostgreSQL stays the source of truth: changes reach the index through the outbox, a rebuild
 * swaps in with no downtime and loses no change made meanwhile, and search falls back to
 * PostgreSQL while Meilisearch is down.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { indexNeedsRebuild, startServices } from '../../server/portal.js';
import { createMeiliClient } from '../../server/search/client.js';
import { ensureIndex } from '../../server/search/index-writer.js';
import { drainOnce, startOutboxDrain } from '../../server/search/outbox-drain.js';
import { reindex } from '../../server/search/reindex.js';
import { startMeiliProcess } from '../../server/setup/meilisearch-process.js';
import { loadSearchFixture, type SearchFixture } from '../support/search-fixtures.js';
import { createTestDatabase, silentLogger, testApp, testConfig, testMeili, type TestDatabase } from '../support/services.js';

const uid = (label: string) => `test_${label}_${randomBytes(4).toString('hex')}`;

async function waitFor<T>(probe: () => Promise<T | undefined>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('keeping the index in step with PostgreSQL', () => {
  let t: TestDatabase;
  let fx: SearchFixture;
  const indexUid = uid('sync');

  beforeAll(async () => {
    t = await createTestDatabase('sync');
    fx = await loadSearchFixture(t.db);
    await ensureIndex(testMeili(), indexUid);
    await reindex(t.db, testMeili(), indexUid, silentLogger);
    // The rebuild replays the outbox rows written while the fixture loaded; drain them.
    while ((await drainOnce(t.db, testMeili(), indexUid, silentLogger)) > 0);
  });
  afterAll(async () => {
    await testMeili().deleteIndexIfExists(indexUid);
    await t.drop();
  });

  const searchIds = async (q: string, index = indexUid) => {
    const app = await testApp(t.db, { config: testConfig({ MEILI_INDEX: index }) });
    const res = await request(app).get('/api/search').query({ q });
    return (res.body.hits as Array<{ id: number; kind: string; deathDate: string | null }>).filter((h) => h.kind === 'martyr');
  };

  it('writes an outbox row in the same transaction as the change, and none when it rolls back', async () => {
    const before = Number((await t.db('search_outbox').count({ n: '*' }))[0]!.n);
    await t.db.transaction(async (trx) => {
      await trx('martyrs').where({ id: fx.martyrs.duc }).update({ unit: 'Trung đoàn 24' });
      const pending = await trx('search_outbox').where({ entity_type: 'martyr', entity_id: fx.martyrs.duc }).whereNull('processed_at');
      expect(pending.length).toBeGreaterThan(0);
      await trx.rollback();
    }).catch(() => undefined);
    expect(Number((await t.db('search_outbox').count({ n: '*' }))[0]!.n)).toBe(before);
  });

  it('makes a change searchable through the drain, and removes a record made confidential', async () => {
    const drain = startOutboxDrain(t.db, testMeili(), indexUid, silentLogger);
    try {
      await t.db('martyrs').where({ id: fx.martyrs.hung }).update({ full_name: 'Trần Văn Hưởng' });
      const found = await waitFor(async () => ((await searchIds('tran van huong')).some((h) => h.id === fx.martyrs.hung) ? true : undefined));
      expect(found).toBe(true);

      await t.db('martyrs').where({ id: fx.martyrs.hung }).update({ is_public: false });
      await waitFor(async () => ((await searchIds('tran van huong')).some((h) => h.id === fx.martyrs.hung) ? undefined : true));

      // A change to a cemetery reaches the documents of everyone buried in it.
      await t.db('cemeteries').where({ id: fx.cemeteries.haTinh }).update({ name: 'Nghĩa trang liệt sĩ tỉnh Hà Tĩnh (Nam Hà)' });
      await waitFor(async () => {
        const doc = await testMeili().index(indexUid).getDocument(`martyr-${fx.martyrs.thanhHaTinh1948}`);
        return doc.cemeteryName === 'Nghĩa trang liệt sĩ tỉnh Hà Tĩnh (Nam Hà)' ? true : undefined;
      });

      // A change to a grave reaches the documents of the martyrs buried in it.
      await t.db('graves').where({ id: fx.graves.ofThanh }).update({ plot_number: '999' });
      await waitFor(async () => {
        const doc = await testMeili().index(indexUid).getDocument(`martyr-${fx.martyrs.thanh}`);
        return String(doc.plot).endsWith('mộ số 999') ? true : undefined;
      });
    } finally {
      await drain.stop();
    }
    const pending = await t.db('search_outbox').whereNull('processed_at').count({ n: '*' });
    expect(Number(pending[0]!.n)).toBe(0);
  });

  it('keeps rows pending while Meilisearch is unreachable and delivers them when it is back', async () => {
    const dead = createMeiliClient('http://127.0.0.1:1', 'x'.repeat(16), 500);
    await t.db('martyrs').where({ id: fx.martyrs.alias }).update({ aliases: ['Sáu Dân', 'Tư Lâm', 'Chín Hậu'] });
    await expect(drainOnce(t.db, dead, indexUid, silentLogger)).rejects.toThrow();
    const failed = await t.db('search_outbox').where({ entity_type: 'martyr', entity_id: fx.martyrs.alias }).whereNull('processed_at');
    expect(failed.length).toBeGreaterThan(0);
    expect(failed[0].attempts).toBeGreaterThan(0);
    expect(failed[0].last_error).toBeTruthy();

    while ((await drainOnce(t.db, testMeili(), indexUid, silentLogger)) > 0);
    expect((await searchIds('chin hau'))[0]?.id).toBe(fx.martyrs.alias);
  });

  it('rebuilds into a new index and swaps it in while searches keep answering, losing no change made during the rebuild', async () => {
    const live = uid('rebuild');
    await ensureIndex(testMeili(), live);
    await reindex(t.db, testMeili(), live, silentLogger);
    const drain = startOutboxDrain(t.db, testMeili(), live, silentLogger);
    let searching = true;
    const answers: number[] = [];
    const searcher = (async () => {
      while (searching) {
        const res = await request(await testApp(t.db, { config: testConfig({ MEILI_INDEX: live }) })).get('/api/search').query({ q: 'dang van duc' });
        answers.push(res.status === 200 && res.body.hits.length > 0 ? 1 : 0);
      }
    })();
    try {
      // Changes committed while the rebuild runs.
      const rebuild = reindex(t.db, testMeili(), live, silentLogger);
      await new Promise((r) => setTimeout(r, 30));
      await t.db('martyrs').where({ id: fx.martyrs.duc }).update({ death_year: 1970, death_month: 4 });
      const [added] = await t.db('martyrs').insert({ full_name: 'Lương Thế Vinh Mới', death_year: 1972 }).returning('id');
      await rebuild;
      await t.db('martyrs').where({ id: fx.martyrs.haTay }).update({ aliases: ['Ba Khải'] });

      await waitFor(async () => {
        const duc = (await searchIds('dang van duc', live))[0];
        const vinh = (await searchIds('luong the vinh moi', live))[0];
        const khai = (await searchIds('ba khai', live))[0];
        return duc?.deathDate === '1970-04' && vinh?.id === Number(added!.id) && khai?.id === fx.martyrs.haTay ? true : undefined;
      });
    } finally {
      searching = false;
      await searcher;
      await drain.stop();
      await testMeili().deleteIndexIfExists(live);
    }
    expect(answers.length).toBeGreaterThan(0);
    expect(answers.every((a) => a === 1)).toBe(true);
    // No index is left behind from the rebuilds.
    const { results } = await testMeili().getRawIndexes({ limit: 1000 });
    expect(results.filter((i) => i.uid.startsWith(`${live}_build_`))).toEqual([]);
  });

  describe('when Meilisearch is stopped', () => {
    it('answers from PostgreSQL with the same shape and degraded: true, writes keep working, and the outbox catches up', async () => {
      const dir = await mkdtemp(path.join(os.tmpdir(), 'mls-degraded-'));
      const own = await startMeiliProcess({ dir, logger: silentLogger, restartOnCrash: false, maxIndexingMemory: '256MiB' });
      const index = uid('degraded');
      try {
        let meili = createMeiliClient(own.url, own.masterKey, 1000);
        await ensureIndex(meili, index);
        await reindex(t.db, meili, index, silentLogger);
        const config = testConfig({ MEILI_INDEX: index });
        const healthy = await request(await testApp(t.db, { meili, config })).get('/api/search').query({ q: 'dang van duc' });
        expect(healthy.body.degraded).toBe(false);

        await own.stop();
        const app = await testApp(t.db, { meili, config });
        const res = await request(app).get('/api/search').query({ q: 'dang van duc' });
        expect(res.status).toBe(200);
        expect(res.body.degraded).toBe(true);
        expect(Object.keys(res.body).sort()).toEqual(Object.keys(healthy.body).sort());
        expect(res.body.hits[0].id).toBe(fx.martyrs.duc);
        expect(Object.keys(res.body.hits[0]).sort()).toEqual(Object.keys(healthy.body.hits[0]).filter((k) => k !== 'highlights').concat('highlights').sort());
        expect((await request(app).get('/api/search').query({ q: 'nguyen van thnah' })).body.hits.length).toBeGreaterThan(0);
        expect((await request(app).get('/api/search').query({ q: 'nguyen van thanh', deathYear: '1968' })).body.hits.map((h: { id: number }) => h.id)).toContain(fx.martyrs.thanhHaTinh1948);
        const suggest = await request(app).get('/api/suggest').query({ q: 'dang van' });
        expect(suggest.body.degraded).toBe(true);
        expect(suggest.body.suggestions[0].label).toBe('Đặng Văn Đức');

        // Writes go on; the outbox holds them.
        await t.db('martyrs').where({ id: fx.martyrs.duc }).update({ aliases: ['Hai Đức'] });
        await expect(drainOnce(t.db, meili, index, silentLogger)).rejects.toThrow();

        // Meilisearch comes back (same data folder): the outbox catches up.
        const back = await startMeiliProcess({ dir, logger: silentLogger, restartOnCrash: false, maxIndexingMemory: '256MiB' });
        meili = createMeiliClient(back.url, back.masterKey, 1000);
        try {
          while ((await drainOnce(t.db, meili, index, silentLogger)) > 0);
          const after = await request(await testApp(t.db, { meili, config })).get('/api/search').query({ q: 'hai duc' });
          expect(after.body.degraded).toBe(false);
          expect(after.body.hits[0].id).toBe(fx.martyrs.duc);
        } finally {
          await back.stop();
        }
      } finally {
        await own.stop();
        await rm(dir, { recursive: true, force: true });
      }
    });
  });
});

describe('an index built by an older version', () => {
  let t: TestDatabase;
  const indexUid = uid('older');
  const meili = testMeili();
  const OLD_SEARCHABLE = ['fullName', 'aliases', 'knownName', 'placeNames'];

  beforeAll(async () => {
    t = await createTestDatabase('older');
    await loadSearchFixture(t.db);
    // What an earlier version wrote: searchable name fields of their own, documents without `names`.
    const created = await meili.createIndex(indexUid, { primaryKey: 'id' });
    await meili.tasks.waitForTask(created.taskUid);
    const configured = await meili.index(indexUid).updateSettings({ searchableAttributes: OLD_SEARCHABLE, localizedAttributes: [{ attributePatterns: ['*'], locales: ['vie'] }] });
    await meili.tasks.waitForTask(configured.taskUid);
    const added = await meili.index(indexUid).addDocuments([{ id: 'martyr-1', kind: 'martyr', fullName: 'Nguyễn Văn Thành', aliases: [], lat: 16.7, lng: 107.1, cemeteryWords: 'Trường Sơn' }]);
    await meili.tasks.waitForTask(added.taskUid);
  });
  afterAll(async () => {
    await meili.deleteIndexIfExists(indexUid);
    await t?.drop();
  });

  it('keeps its settings, and so keeps finding, until the rebuild swaps a new index in', async () => {
    const config = testConfig({ DATABASE_URL: t.url, MEILI_INDEX: indexUid });
    const services = await startServices(config, silentLogger);
    try {
      expect((await meili.index(indexUid).getSettings()).searchableAttributes).toEqual(OLD_SEARCHABLE);
      expect((await meili.index(indexUid).search('nguyen van thanh')).hits.map((h) => h.id)).toEqual(['martyr-1']);
      expect(await indexNeedsRebuild(services, config)).toBe(true);
    } finally {
      await services.close();
    }
  });
});
