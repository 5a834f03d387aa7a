/**
 * kill -9 of a process in the middle of an import (the real `npm run import` entry point, or the
 * batch runner the job queue calls, as a child process): nothing of the batch is visible, and the
 * next runner (after the lease lapses) resumes it to exactly the rows of the file, none twice.
 * While the dry run stages the rows, while a commit stages them (a batch whose dry run staged
 * nothing, as before staging moved into the dry run), and while flipping.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT_DIR } from '../../server/config.js';
import { CLI_ACTOR, commitFromCli, importFromCli } from '../../server/imports/import-cli.js';
import { claimLapsedBatches } from '../../server/imports/imports.queries.js';
import { requestCommit } from '../../server/imports/imports.service.js';
import { runBatch } from '../../server/imports/import.jobs.js';
import { createTestDatabase, silentLogger, type TestDatabase } from '../support/services.js';

const ROWS = 4000;
let t: TestDatabase;
let dir: string;
let file: string;

beforeAll(async () => {
  t = await createTestDatabase('impkill');
  dir = await mkdtemp(path.join(os.tmpdir(), 'mls-impkill-'));
  file = path.join(dir, 'lon.xlsx');
  const writer = new ExcelJS.stream.xlsx.WorkbookWriter({ filename: file });
  const ws = writer.addWorksheet('DS');
  ws.addRow(['Mã hồ sơ', 'Họ và tên', 'Năm sinh', 'Quê quán', 'Năm hy sinh']).commit();
  for (let i = 1; i <= ROWS; i++) ws.addRow([`K${i}`, `Nguyễn Văn Số ${i}`, 1930 + (i % 30), 'xã Thủ Sỹ, huyện Tiên Lữ, tỉnh Hưng Yên', 1965 + (i % 10)]).commit();
  ws.commit();
  await writer.commit();
});

afterAll(async () => {
  await t?.drop();
  await rm(dir, { recursive: true, force: true });
});

const exited = (proc: ChildProcess) => (proc.exitCode !== null || proc.signalCode !== null ? Promise.resolve() : new Promise<void>((r) => proc.once('exit', () => r())));

type BatchRow = { id: number; state: string; rows_staged_through: number; counts: Record<string, unknown>; rows_done: number };

/** Runs `args` (a script and its arguments) and kills it with SIGKILL once `ready` holds for the source's batch. */
async function killWhen(source: string, ready: (b: BatchRow) => boolean, args = ['scripts/import.ts', '--province', '33', '--source', source, file]): Promise<number> {
  const proc = spawn(process.execPath, ['--import', 'tsx', ...args], {
    cwd: ROOT_DIR,
    env: { ...process.env, DATABASE_URL: t.url, DATA_DIR: dir, LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  proc.stdout?.on('data', (c: Buffer) => (output += c.toString()));
  proc.stderr?.on('data', (c: Buffer) => (output += c.toString()));
  const end = Date.now() + 240_000;
  let batchId = 0;
  while (Date.now() < end && proc.exitCode === null) {
    const b = await t.db('import_batches').join('import_sources', 'import_sources.id', 'import_batches.source_id').where('import_sources.name', source).first('import_batches.*');
    if (b && ready(b)) {
      batchId = Number(b.id);
      proc.kill('SIGKILL');
      break;
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  await exited(proc);
  if (!batchId) throw new Error(`never reached the point to kill at:\n${output}`);
  return batchId;
}

async function resume(batchId: number) {
  // The dead runner's lease would lapse in 30 s; the test lets that time pass at once.
  await t.db('import_batches').where({ id: batchId }).update({ lease_until: t.db.raw("now() - interval '1 second'") });
  const claimed = await claimLapsedBatches(t.db, 30);
  const mine = claimed.find((c) => c.id === batchId)!;
  expect(mine).toBeDefined();
  await runBatch(t.db, { dir: path.join(dir, 'imports') }, batchId, mine.token, silentLogger);
}

const staged = async (batchId: number) => Number((await t.db('import_rows').where({ batch_id: batchId }).count<{ n: string }[]>({ n: '*' }))[0]!.n);
const martyrCount = async () => Number((await t.db('martyrs').count<{ n: string }[]>({ n: '*' }))[0]!.n);

const martyrsOf = async (source: string) =>
  Number((await t.db('import_records').join('import_sources', 'import_sources.id', 'import_records.source_id').where('import_sources.name', source).count<{ n: string }[]>({ n: '*' }))[0]!.n);

describe('kill -9 during a commit', () => {
  it('while the dry run stages: nothing visible, the dry run runs again from the start, the commit writes each row once', async () => {
    const before = await martyrCount();
    const id = await killWhen('Dry run', (b) => b.state === 'dry_running' && b.rows_done > 0, ['scripts/import.ts', '--province', '33', '--source', 'Dry run', '--dry-run', file]);
    expect(await martyrCount()).toBe(before);
    expect(await staged(id)).toBeGreaterThan(0);
    expect(await staged(id)).toBeLessThan(ROWS);
    await resume(id);
    const dry = await t.db('import_batches').where({ id }).first();
    expect(dry.state).toBe('dry_run');
    expect(dry.counts.staged).toBe(1);
    expect(await staged(id)).toBe(ROWS);
    const committed = await commitFromCli(t.db, { dir: path.join(dir, 'imports') }, silentLogger, id);
    expect(committed.state).toBe('committed');
    expect(await martyrCount()).toBe(before + ROWS);
    expect(await martyrsOf('Dry run')).toBe(ROWS);
    expect(await staged(id)).toBe(0);
  }, 300_000);

  it('while a commit stages a batch its dry run did not stage: nothing visible, then resumed to exactly the file', async () => {
    const before = await martyrCount();
    const dry = await importFromCli(t.db, { dir: path.join(dir, 'imports') }, silentLogger, { provinceCode: '33', sourceName: 'Staging', file, dryRun: true });
    // A dry run of the version before staging moved into it: no staged row, so the commit reads the file.
    await t.db('import_rows').where({ batch_id: dry.batchId }).delete();
    await t.db('import_batches').where({ id: dry.batchId }).update({ counts: t.db.raw(`counts - 'staged'`), rows_staged_through: 0 });
    await requestCommit(t.db, CLI_ACTOR, dry.batchId);
    const id = await killWhen('Staging', (b) => b.state === 'committing' && b.rows_staged_through > 0 && !b.counts.staged, ['test/support/run-import-batches.ts']);
    expect(id).toBe(dry.batchId);
    expect(await martyrCount()).toBe(before);
    await resume(id);
    const batch = await t.db('import_batches').where({ id }).first();
    expect(batch.state).toBe('committed');
    expect(batch.counts.committed.new).toBe(ROWS);
    expect(await martyrCount()).toBe(before + ROWS);
    expect(await martyrsOf('Staging')).toBe(ROWS);
    expect(await staged(id)).toBe(0);
  }, 300_000);

  it('while flipping: the transaction is gone whole, then resumed to exactly the file', async () => {
    const before = Number((await t.db('martyrs').count<{ n: string }[]>({ n: '*' }))[0]!.n);
    // A second source: the same people, but new identities, so every row is new again.
    const id = await killWhen('Flipping', (b) => b.state === 'committing' && Boolean(b.counts.staged) && b.rows_done > 0);
    expect(Number((await t.db('martyrs').count<{ n: string }[]>({ n: '*' }))[0]!.n)).toBe(before);
    await resume(id);
    const batch = await t.db('import_batches').where({ id }).first();
    expect(batch.state).toBe('committed');
    expect(Number((await t.db('martyrs').count<{ n: string }[]>({ n: '*' }))[0]!.n)).toBe(before + ROWS);
    expect(await martyrsOf('Flipping')).toBe(ROWS);
    // Each row once in the audit log of its batch.
    expect(Number((await t.db('audit_log').where({ import_batch_id: id, action: 'martyr.import_create' }).count<{ n: string }[]>({ n: '*' }))[0]!.n)).toBe(ROWS);
  }, 300_000);
});
