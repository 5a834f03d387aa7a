/**
 * An import's steps in a thread of their own (import-thread.ts), as the portal's jobs and the
 * command line run them: the same dry run and commit through a pool of the thread's own, and a
 * file that outgrows the thread's heap ends its batch with a message while this process, the
 * portal's, goes on.
 */
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importFromCli } from '../../server/imports/import-cli.js';
import type { ImportThread } from '../../server/imports/import-thread.js';
import { failCommit, failDryRun } from '../../server/imports/import-run.js';
import { endSessions } from '../../server/imports/imports.queries.js';
import pg from 'pg';
import { createTestDatabase, silentLogger, type TestDatabase } from '../support/services.js';

let t: TestDatabase;
let dir: string;
let files: { dir: string };
const thread = (heapMb: number): ImportThread => ({ databaseUrl: t.url, heapMb, logLevel: 'silent' });

beforeAll(async () => {
  t = await createTestDatabase('importthread');
  dir = await mkdtemp(path.join(os.tmpdir(), 'mls-import-thread-'));
  files = { dir: path.join(dir, 'imports') };
});
afterAll(async () => {
  await t?.drop();
  await rm(dir, { recursive: true, force: true });
});

describe('import steps in a thread of their own', () => {
  it('dry-runs and commits a file as the steps in this process do', async () => {
    const file = path.join(dir, 'thread.csv');
    await writeFile(file, 'Họ và tên;Năm sinh;Quê quán;Năm hy sinh\nNGUYỄN VĂN LUỒNG;1949;xã Thủ Sỹ, huyện Tiên Lữ, tỉnh Hưng Yên;1971\nK\'sor Nghen;1952;Hưng Yên;1973\nkhông tên;abc;Hưng Yên;1972\n');
    const result = await importFromCli(t.db, files, silentLogger, { provinceCode: '33', sourceName: 'Luồng riêng', file, dryRun: false, thread: thread(256) });
    expect(result.state).toBe('committed');
    expect(result.counts).toMatchObject({ rows: 3, new: 2, rejected: 1 });
    expect(await t.db('martyrs').where({ full_name: 'Nguyễn Văn Luồng' }).first()).toMatchObject({ birth_year: 1949, death_year: 1971 });
    expect(await t.db('martyrs').where({ full_name: "K'sor Nghen" }).first()).toBeDefined();
    const batch = await t.db('import_batches').where({ id: result.batchId }).first();
    expect(batch).toMatchObject({ state: 'committed', lease_owner: null });
  });

  it('a file that outgrows the heap ends its batch with a message, nothing staged, and this process goes on', async () => {
    // 150,000 distinct people: the dry run's keys and namesake lists alone need more than 40 MB.
    const lines = ['Họ và tên,Năm sinh,Quê quán,Năm hy sinh,Đơn vị'];
    for (let i = 0; i < 150_000; i++) lines.push(`Người Thứ ${i} Văn Dài Tên,${1930 + (i % 30)},Hưng Yên,${1965 + (i % 10)},Trung đoàn ${i}`);
    const file = path.join(dir, 'big.csv');
    await writeFile(file, `${lines.join('\n')}\n`);
    const result = await importFromCli(t.db, files, silentLogger, { provinceCode: '33', sourceName: 'Quá lớn', file, dryRun: true, thread: thread(40) });
    expect(result.problems).toEqual(['out_of_memory']);
    const batch = await t.db('import_batches').where({ id: result.batchId }).first();
    expect(batch).toMatchObject({ state: 'uploaded', error: 'out_of_memory', lease_owner: null });
    expect(Number((await t.db('import_rows').where({ batch_id: result.batchId }).count<{ n: string }[]>({ n: '*' }))[0]!.n)).toBe(0);
    expect(await t.db('martyrs').where('full_name', 'like', 'Người Thứ %').first()).toBeUndefined();
    // No half-written rejects workbook is left behind.
    const left = await readdir(path.join(files.dir, String(result.batchId))).catch(() => [] as string[]);
    expect(left.filter((f) => f.endsWith('.partial'))).toEqual([]);
    // This process (the portal's, in production) still answers.
    expect((await t.db.raw('SELECT 1 AS ok')).rows[0].ok).toBe(1);
  }, 120_000);

  it('a runner that lost its batch to another ends nothing of the other\'s: neither its state nor its staged rows', async () => {
    const file = path.join(dir, 'lease.csv');
    await writeFile(file, 'Họ và tên,Năm sinh,Quê quán\nĐỗ Văn Lượt,1950,Hưng Yên\n');
    const dry = await importFromCli(t.db, files, silentLogger, { provinceCode: '33', sourceName: 'Hai người chạy', file, dryRun: true, thread: thread(256) });
    expect(dry.state).toBe('dry_run');
    const staged = async () => Number((await t.db('import_rows').where({ batch_id: dry.batchId }).count<{ n: string }[]>({ n: '*' }))[0]!.n);
    expect(await staged()).toBe(1);
    // The batch is running again under the sweep's new lease; the first runner's late failure comes in.
    await t.db('import_batches').where({ id: dry.batchId }).update({ state: 'dry_running', lease_owner: 'the-runner-after', lease_until: t.db.raw("now() + interval '30 seconds'") });
    await failDryRun(t.db, files, dry.batchId, 'out_of_memory', 'the-runner-before');
    expect(await t.db('import_batches').where({ id: dry.batchId }).first()).toMatchObject({ state: 'dry_running', lease_owner: 'the-runner-after', error: null });
    expect(await staged()).toBe(1);
    await t.db('import_batches').where({ id: dry.batchId }).update({ state: 'committing' });
    await failCommit(t.db, dry.batchId, 'out_of_memory', 'the-runner-before');
    expect(await t.db('import_batches').where({ id: dry.batchId }).first()).toMatchObject({ state: 'committing', error: null });
    expect(await staged()).toBe(1);
    // Its own lease, the failure is applied.
    await failCommit(t.db, dry.batchId, 'out_of_memory', 'the-runner-after');
    expect(await t.db('import_batches').where({ id: dry.batchId }).first()).toMatchObject({ state: 'failed', error: 'out_of_memory' });
    expect(await staged()).toBe(0);
  });

  it('ends the sessions of a thread that died, and no other', async () => {
    const open = async (name: string) => {
      const c = new pg.Client({ connectionString: t.url, application_name: name });
      c.on('error', () => undefined);
      await c.connect();
      return c;
    };
    const dead = await open('mo-liet-si import 1 deadbeef');
    const bystander = await open('mo-liet-si import 1 cafecafe');
    const portal = await open('mo-liet-si');
    try {
      await endSessions(t.db, 'mo-liet-si import 1 deadbeef');
      await expect(dead.query('SELECT 1')).rejects.toThrow();
      expect((await bystander.query('SELECT 1 AS ok')).rows[0].ok).toBe(1);
      expect((await portal.query('SELECT 1 AS ok')).rows[0].ok).toBe(1);
      expect((await t.db.raw('SELECT 1 AS ok')).rows[0].ok).toBe(1);
    } finally {
      for (const c of [dead, bystander, portal]) await c.end().catch(() => undefined);
    }
  });
});
