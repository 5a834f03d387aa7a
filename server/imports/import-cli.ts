/**
 * The command line's import (`npm run import`): the same steps as the staff pages, inline in this
 * process: receive the file, propose the mapping (the source's saved one, else the headers'), dry
 * run, and unless --dry-run, commit. The running portal's outbox drain makes the batch searchable.
 */
import { randomUUID } from 'node:crypto';
import { copyFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { Db } from '../db/knex.js';
import type { Logger } from '../logger.js';
import { getBatch } from './imports.queries.js';
import { rejectsFileKey, type ImportFiles } from './import-run.js';
import { runBatch } from './import.jobs.js';
import type { ImportThread } from './import-thread.js';
import { mappingProblems } from './mapping.js';
import { receiveFile, requestCommit, startDryRun, type ImportActor } from './imports.service.js';
import { problemText } from './problems.js';
import { listIssues } from './imports.queries.js';

/** `thread`: run the steps in a thread of their own, as the portal does (import-thread.ts). */
export type CliImport = { provinceCode: string; sourceName: string; file: string; dryRun: boolean; thread?: ImportThread };

/** The command line acts as an administrator: whoever runs it has the machine. */
export const CLI_ACTOR: ImportActor = { userId: null, scope: { national: true, provinceCodes: [], cemeteryIds: [], communeCodes: [], roles: ['admin'] } };

export async function importFromCli(db: Db, files: ImportFiles, logger: Logger, input: CliImport): Promise<{ batchId: number; counts: Record<string, unknown>; state: string; rejectsFile: string | null; problems: string[] }> {
  // The operator's file stays where it is: a copy is taken in.
  const temp = path.join(files.dir, 'incoming', `${randomUUID()}${path.extname(input.file)}`);
  await mkdir(path.dirname(temp), { recursive: true });
  await copyFile(input.file, temp);
  const batchId = await receiveFile(db, files, CLI_ACTOR, { provinceCode: input.provinceCode, sourceName: input.sourceName, tempPath: temp, fileName: path.basename(input.file) });
  let batch = (await getBatch(db, batchId))!;
  const problems = mappingProblems(batch.mapping);
  if (problems.length) return { batchId, counts: {}, state: batch.state, rejectsFile: null, problems };
  const token = `cli-${randomUUID()}`;
  await startDryRun(db, batchId);
  // A running portal's sweep may have claimed the batch first: it runs it, and this does not.
  if (!(await runBatch(db, files, batchId, token, logger, input.thread))) return { batchId, counts: {}, state: 'dry_running', rejectsFile: null, problems: ['busy'] };
  batch = (await getBatch(db, batchId))!;
  if (batch.state !== 'dry_run') return { batchId, counts: batch.counts, state: batch.state, rejectsFile: null, problems: [batch.error ?? 'unreadable'] };
  const rejectsFile = batch.counts.rejected ? path.join(files.dir, rejectsFileKey(batchId)) : null;
  if (input.dryRun) return { batchId, counts: batch.counts, state: batch.state, rejectsFile, problems: [] };
  return { ...(await commitFromCli(db, files, logger, batchId, input.thread)), rejectsFile };
}

/** Commits a batch whose dry run is done, inline. */
export async function commitFromCli(db: Db, files: ImportFiles, logger: Logger, batchId: number, thread?: ImportThread): Promise<{ batchId: number; counts: Record<string, unknown>; state: string; problems: string[] }> {
  const token = `cli-${randomUUID()}`;
  await requestCommit(db, CLI_ACTOR, batchId);
  if (!(await runBatch(db, files, batchId, token, logger, thread))) return { batchId, counts: {}, state: 'queued', problems: ['busy'] };
  const batch = (await getBatch(db, batchId))!;
  return { batchId, counts: batch.counts, state: batch.state, problems: batch.error ? [batch.error] : [] };
}

/** The first rejected rows, as lines for the terminal. */
export async function rejectedLines(db: Db, batchId: number, limit: number): Promise<string[]> {
  const issues = await listIssues(db, batchId, 'dry_run', 'rejected', limit);
  return issues.map((i) => `  dòng ${i.row_number}: ${problemText('vi', { column: i.column_name, value: i.value, reason: i.reason, details: i.details })}`);
}
