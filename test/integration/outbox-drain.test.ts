/**
 * The search outbox drain on real PostgreSQL and Meilisearch: one bad row never holds back the
 * others and is parked after its attempts, no lock or transaction is held while Meilisearch
 * works, a claim left by a dead drain is sent again, and one connection never runs two queries.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMeiliClient } from '../../server/search/client.js';
import { martyrDocuments } from '../../server/search/documents.js';
import { ensureIndex } from '../../server/search/index-writer.js';
import { drainOnce } from '../../server/search/outbox-drain.js';
import { claimOutboxRows } from '../../server/search/outbox.queries.js';
import { startMeiliProcess } from '../../server/setup/meilisearch-process.js';
import { loadSearchFixture, type SearchFixture } from '../support/search-fixtures.js';
import { createTestDatabase, silentLogger, testApp, testMeili, type TestDatabase } from '../support/services.js';
import { createStaff, signIn } from '../support/staff.js';

/** The largest bigint: as a JavaScript number it rounds up past the largest bigint, so building it fails every time. */
const POISON_ENTITY_ID = '9223372036854775807';

const warnings: string[] = [];
process.on('warning', (warning) => warnings.push(warning.message));

describe('the search outbox drain', () => {
  let t: TestDatabase;
  let fx: SearchFixture;
  const indexUid = `test_outbox_${randomBytes(4).toString('hex')}`;
  const fast = { maxAttempts: 3, retryBaseSeconds: 0 };
  const drainAll = async (meili = testMeili(), index = indexUid) => {
    for (let rounds = 0; (await drainOnce(t.db, meili, index, silentLogger, fast)) > 0; rounds++) {
      if (rounds > 50) throw new Error('the drain never ran dry');
    }
  };
  const aliasesInIndex = async (martyrId: number, meili = testMeili(), index = indexUid) =>
    ((await meili.index(index).getDocument(`martyr-${martyrId}`)) as { aliases: string[] }).aliases;

  beforeAll(async () => {
    t = await createTestDatabase('outbox');
    fx = await loadSearchFixture(t.db);
    await ensureIndex(testMeili(), indexUid);
  });
  afterAll(async () => {
    await testMeili().deleteIndexIfExists(indexUid);
    await t.drop();
  });

  // First, while nothing in this process has cached the province names the document builder reads.
  it("never runs two queries at once on one connection, in the drain or building documents in a transaction (pg's deprecation warning, an error in pg 9)", async () => {
    const built = await t.db.transaction((trx) => martyrDocuments(trx, [fx.martyrs.duc]));
    expect(built).toHaveLength(1);
    await drainAll();
    expect(await aliasesInIndex(fx.martyrs.duc)).toBeDefined();
    expect(warnings.filter((w) => /already executing a query/.test(w))).toEqual([]);
  });

  it('parks a row that keeps failing on its own after its attempts, while the changes behind it reach the index', async () => {
    const [poison] = await t.db('search_outbox').insert({ entity_type: 'martyr', entity_id: POISON_ENTITY_ID }).returning('id');
    await t.db('martyrs').where({ id: fx.martyrs.duc }).update({ aliases: ['Hai Đức'] });
    await t.db('martyrs').where({ id: fx.martyrs.haTay }).update({ aliases: ['Ba Khải'] });

    await drainAll();

    expect(await aliasesInIndex(fx.martyrs.duc)).toEqual(['Hai Đức']);
    expect(await aliasesInIndex(fx.martyrs.haTay)).toEqual(['Ba Khải']);
    const parked = await t.db('search_outbox').where({ id: poison.id }).first();
    expect(parked.parked_at).not.toBeNull();
    expect(parked.processed_at).toBeNull();
    expect(parked.attempts).toBe(fast.maxAttempts);
    expect(parked.last_error).toMatch(/out of range/);
    // Parked is parked: the drain leaves it alone, and nothing else is pending.
    expect(await drainOnce(t.db, testMeili(), indexUid, silentLogger, fast)).toBe(0);
    expect(Number((await t.db('search_outbox').whereNull('processed_at').whereNull('parked_at').count({ n: '*' }))[0]!.n)).toBe(0);
    await t.db('search_outbox').where({ id: poison.id }).delete();
  });

  it('parks nothing while Meilisearch is down: the batch waits as it was', async () => {
    await t.db('martyrs').where({ id: fx.martyrs.duc }).update({ aliases: ['Út Đức'] });
    const dead = createMeiliClient('http://127.0.0.1:1', 'x'.repeat(16), 500);
    for (let i = 0; i < fast.maxAttempts + 2; i++) await expect(drainOnce(t.db, dead, indexUid, silentLogger, fast)).rejects.toThrow();
    expect(Number((await t.db('search_outbox').whereNotNull('parked_at').count({ n: '*' }))[0]!.n)).toBe(0);
    await drainAll();
    expect(await aliasesInIndex(fx.martyrs.duc)).toEqual(['Út Đức']);
  });

  it('holds no row lock or open transaction while it waits for Meilisearch', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'mls-outbox-'));
    const own = await startMeiliProcess({ dir, logger: silentLogger, restartOnCrash: false, maxIndexingMemory: '256MiB' });
    try {
      const meili = createMeiliClient(own.url, own.masterKey, 60_000);
      await ensureIndex(meili, indexUid);
      await t.db('martyrs').where({ id: fx.martyrs.haTay }).update({ aliases: ['Tư Khải'] });
      // Meilisearch frozen mid-drain: the drain is left waiting on it.
      process.kill(own.pid!, 'SIGSTOP');
      const draining = drainOnce(t.db, meili, indexUid, silentLogger, fast);
      draining.catch(() => undefined); // awaited below; a failed check must not leave it unhandled
      await new Promise((resolve) => setTimeout(resolve, 1000));
      try {
        const idle = await t.db.raw<{ rows: { n: string }[] }>(
          "SELECT count(*) AS n FROM pg_stat_activity WHERE datname = current_database() AND state LIKE 'idle in transaction%'",
        );
        expect(Number(idle.rows[0]!.n)).toBe(0);
        await t.db.transaction(async (trx) => {
          await trx.raw('SELECT id FROM search_outbox WHERE processed_at IS NULL FOR UPDATE NOWAIT');
        });
      } finally {
        process.kill(own.pid!, 'SIGCONT');
      }
      expect(await draining).toBeGreaterThan(0);
      expect(await aliasesInIndex(fx.martyrs.haTay, meili)).toEqual(['Tư Khải']);
    } finally {
      await own.stop();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('sends again what a drain that died had claimed, once its lease is over', async () => {
    await t.db('martyrs').where({ id: fx.martyrs.duc }).update({ aliases: ['Bảy Đức'] });
    // A drain claims the row with a one-second lease and dies before sending it.
    expect((await claimOutboxRows(t.db, 500, 1)).length).toBeGreaterThan(0);
    expect(await drainOnce(t.db, testMeili(), indexUid, silentLogger, fast)).toBe(0);
    await new Promise((resolve) => setTimeout(resolve, 1100));
    await drainAll();
    expect(await aliasesInIndex(fx.martyrs.duc)).toEqual(['Bảy Đức']);
  });

  it('shows admins the parked rows with their error, and Retry puts one back in the queue', async () => {
    const [poison] = await t.db('search_outbox').insert({ entity_type: 'martyr', entity_id: POISON_ENTITY_ID }).returning('id');
    await drainAll();
    const app = await testApp(t.db);
    const admin = await signIn(app, (await createStaff(t.db, [{ role: 'admin', provinceCode: null, cemeteryId: null }])).email);
    const officer = await signIn(app, (await createStaff(t.db, [{ role: 'province_officer', provinceCode: '42', cemeteryId: null }])).email);

    const home = await admin.agent.get('/quan-ly');
    expect(home.text).toMatch(/data-count="parked-outbox">1</);
    const page = await admin.agent.get('/quan-ly/chi-muc-tim-kiem');
    expect(page.status).toBe(200);
    expect(page.text).toContain(`data-outbox-id="${poison.id}"`);
    expect(page.text).toMatch(/out of range/);
    expect((await officer.agent.get('/quan-ly/chi-muc-tim-kiem')).status).toBe(403);
    expect((await officer.agent.post('/quan-ly/chi-muc-tim-kiem/thu-lai').type('form').send({ _csrf: officer.csrf, id: String(poison.id) })).status).toBe(403);

    const retry = await admin.agent.post('/quan-ly/chi-muc-tim-kiem/thu-lai').type('form').send({ _csrf: admin.csrf, id: String(poison.id) });
    expect(retry.status).toBe(303);
    expect(await t.db('search_outbox').where({ id: poison.id }).first()).toMatchObject({ parked_at: null, attempts: 0 });
    const bad = await admin.agent.post('/quan-ly/chi-muc-tim-kiem/thu-lai').type('form').send({ _csrf: admin.csrf, id: 'everything' });
    expect(bad.status).toBe(400);
    await t.db('search_outbox').where({ id: poison.id }).delete();
  });
});
