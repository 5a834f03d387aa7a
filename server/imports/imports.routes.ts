/**
 * /quan-ly/nhap-du-lieu: province officers and admins import provincial exports.
 *
 *   GET  /quan-ly/nhap-du-lieu                 the batches in scope and the upload form
 *   POST /quan-ly/nhap-du-lieu                 requireStaff → multipart (to disk, 200 MB) → csrfCheck → receiveFile
 *   GET  /quan-ly/nhap-du-lieu/trung-lap       the review list of possible duplicates
 *   GET  /quan-ly/nhap-du-lieu/:id             preview, encoding, mapping, dry run, commit and its progress
 *   GET  /quan-ly/nhap-du-lieu/:id/tien-do     the progress as JSON (the page polls it; a reload reads the same)
 *   POST /quan-ly/nhap-du-lieu/:id/ghep-cot    save the mapping and queue the dry run
 *   POST /quan-ly/nhap-du-lieu/:id/ghi         queue the commit
 *   GET  /quan-ly/nhap-du-lieu/:id/loi.xlsx    the rejected rows with a "Lỗi" column
 *   POST /quan-ly/nhap-du-lieu/:id/xung-dot/:issue   decide a conflict
 */
import { mkdirSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { Router, type Request, type RequestHandler, type Response } from 'express';
import multer from 'multer';
import { z } from 'zod';
import { csrfCheck, requireStaff } from '../accounts/auth.middleware.js';
import type { Db } from '../db/knex.js';
import { statusOf } from '../http/domain-status.js';
import { AppError, DomainError, NotFoundError } from '../http/errors.js';
import { formBodyOnly } from '../http/form-body.js';
import { localeOf } from '../http/locale.js';
import { recordIdParam } from '../http/paging.schema.js';
import { parseParams } from '../http/params.js';
import { sendPage, wantsJson } from '../http/render.js';
import { sendStream } from '../http/stream-file.js';
import { createReadStream } from 'node:fs';
import { translate, type Locale } from '../i18n/messages.js';
import type { ProvinceCatalogue } from '../places/province-catalogue.js';
import { localDateTime } from '../views/local-time.js';
import { rejectsFileKey, type ImportFiles } from './import-run.js';
import { listBatches, listIssues, listSources, openDuplicates, type Batch } from './imports.queries.js';
import { FIELDS } from './mapping.js';
import { problemText } from './problems.js';
import {
  batchFor, canImport, decideConflict, ImportFileRejected, MAX_IMPORT_BYTES, mayImportInto, previewRows, receiveFile, requestCommit, saveMappingAndDryRun,
} from './imports.service.js';
import { CSV_ENCODINGS } from './table-reader.js';

const IMPORT_ROLES = ['admin', 'ministry_officer', 'province_officer'] as const;
const ids = z.object({ id: recordIdParam });

function uploadMiddleware(files: ImportFiles): RequestHandler {
  const incoming = path.join(files.dir, 'incoming');
  const parser = multer({
    storage: multer.diskStorage({
      destination: (_req, _file, cb) => {
        mkdirSync(incoming, { recursive: true });
        cb(null, incoming);
      },
      filename: (_req, _file, cb) => cb(null, randomUUID()),
    }),
    limits: { fileSize: MAX_IMPORT_BYTES, files: 1, fields: 10, fieldSize: 2000, parts: 12 },
  }).single('file');
  return (req, res, next) => {
    // A 2 GB upload is refused on its announced length, before a byte of it is stored.
    const declared = Number(req.get('content-length'));
    if (Number.isFinite(declared) && declared > MAX_IMPORT_BYTES + 64 * 1024) return next(new ImportFileRejected('too_large'));
    parser(req, res, (error: unknown) => {
      if (!error) return next();
      if (error instanceof multer.MulterError && error.code === 'LIMIT_FILE_SIZE') return next(new ImportFileRejected('too_large'));
      next(new ImportFileRejected('unreadable'));
    });
  };
}

const errorText = (locale: Locale, error: DomainError) => {
  const details = (error.details ?? {}) as { reason?: string; problems?: string[] };
  if (details.reason) return translate(locale, `imports.error.${details.reason}`, { maxMb: MAX_IMPORT_BYTES / 1024 / 1024 });
  if (details.problems) return details.problems.map((p) => translate(locale, `imports.error.${p.split(':')[0]}`, { field: translate(locale, `imports.field.${p.split(':')[1]}`) })).join(' ');
  return error.message;
};

export function progressOf(b: Batch) {
  const total = b.rows_total ?? 0;
  const committed = (b.counts.committed ?? null) as Record<string, number> | null;
  const phase =
    b.state === 'committing' ? (b.counts.staged ? 'applying' : 'staging')
    : b.state;
  const done = phase === 'staging' ? Math.min(total, b.rows_staged_through ? Math.max(0, b.rows_staged_through - b.header_row) : 0) : b.rows_done;
  return { id: b.id, state: b.state, phase, done, total, error: b.error, committed, finished: ['committed', 'failed', 'dry_run', 'uploaded'].includes(b.state) };
}

export function importRoutes(db: Db, files: ImportFiles, provinces: ProvinceCatalogue): Router {
  const router = Router();
  const t = (res: Response, key: string, params?: Record<string, unknown>) => translate(localeOf(res), key, params);
  const actorOf = (req: Request) => ({ userId: req.staff!.session.userId, scope: req.staff!.scope });
  const staff = requireStaff(...IMPORT_ROLES);

  const listPage = async (req: Request, res: Response, extra: Record<string, unknown> = {}, status = 200) => {
    const scope = req.staff!.scope;
    const batches = await listBatches(db, scope);
    const choices = (scope.national ? provinces.current : provinces.current.filter((p) => scope.provinceCodes.includes(p.code))).filter((p) => mayImportInto(scope, p.code));
    const sources = await listSources(db, scope.national ? null : scope.provinceCodes);
    sendPage(req, res, 'staff/imports', {
      title: t(res, 'imports.title'),
      provinces: choices.map((p) => ({ code: p.code, name: p.name, selected: p.code === (extra.province ?? choices[0]?.code) })),
      sources: [...new Set(sources.map((s) => s.name))],
      maxMb: MAX_IMPORT_BYTES / 1024 / 1024,
      batches: batches.map((b) => ({
        id: b.id, fileName: b.file_name, source: b.source_name, province: provinces.currentName(b.province_code) ?? b.province_code,
        state: t(res, `imports.state.${b.state}`), stateCode: b.state, when: localDateTime(b.created_at), rows: b.rows_total ?? '',
      })),
      ...extra,
    }, status);
  };

  router.get('/quan-ly/nhap-du-lieu', staff, async (req, res) => {
    if (!canImport(req.staff!.scope)) throw new NotFoundError();
    await listPage(req, res);
  });

  router.post('/quan-ly/nhap-du-lieu', staff, uploadMiddleware(files), csrfCheck, async (req, res) => {
    const file = req.file;
    const body = req.body as Record<string, unknown>;
    try {
      if (!file) throw new ImportFileRejected('empty');
      const id = await receiveFile(db, files, actorOf(req), { provinceCode: String(body.province ?? ''), sourceName: String(body.source ?? ''), tempPath: file.path, fileName: Buffer.from(file.originalname, 'latin1').toString('utf8') });
      if (wantsJson(req)) return res.status(201).json({ id, url: `/quan-ly/nhap-du-lieu/${id}` });
      res.redirect(303, `/quan-ly/nhap-du-lieu/${id}`);
    } catch (error) {
      if (file) await rm(file.path, { force: true });
      if (error instanceof DomainError) {
        if (wantsJson(req)) throw error;
        return listPage(req, res, { error: errorText(localeOf(res), error), province: body.province, source: body.source }, statusOf(error));
      }
      throw error;
    }
  });

  router.get('/quan-ly/nhap-du-lieu/trung-lap', staff, async (req, res) => {
    const rows = await openDuplicates(db, req.staff!.scope, 200);
    sendPage(req, res, 'staff/import-duplicates', { title: t(res, 'imports.duplicatesList.title'), rows: rows.map((r) => ({ ...r, reasonText: t(res, `imports.problem.${String(r.reason)}`) })) });
  });

  const batchPage = async (req: Request, res: Response, id: number, extra: Record<string, unknown> = {}, status = 200) => {
    const locale = localeOf(res);
    const batch = await batchFor(db, req.staff!.scope, id);
    const preview = await previewRows(files, batch).catch(() => []);
    const issue = (i: Awaited<ReturnType<typeof listIssues>>[number]) => ({ ...i, text: problemText(locale, { column: i.column_name, value: i.value, reason: i.reason, details: i.details ?? undefined }) });
    const [rejected, duplicates, conflicts, commitConflicts] = await Promise.all([
      listIssues(db, id, 'dry_run', 'rejected', 200),
      listIssues(db, id, 'dry_run', 'duplicate', 100),
      listIssues(db, id, 'dry_run', 'conflict', 100),
      listIssues(db, id, 'commit', 'conflict', 200),
    ]);
    const counts = batch.counts as Record<string, number>;
    const committed = (batch.counts.committed ?? null) as Record<string, number> | null;
    const progress = progressOf(batch);
    sendPage(req, res, 'staff/import', {
      title: t(res, 'imports.batch.title', { id, file: batch.file_name }),
      batch: { ...batch, stateLabel: t(res, `imports.state.${batch.state}`), province: provinces.currentName(batch.province_code) ?? batch.province_code },
      isCsv: batch.format === 'csv',
      encodings: (batch.format === 'csv' ? CSV_ENCODINGS : []).map((e) => ({ value: e, label: t(res, `imports.encoding.${e}`), selected: e === batch.encoding })),
      detected: t(res, `imports.encoding.${batch.detected_encoding}`),
      hiddenSheets: ((batch.samples.hiddenSheets as string[] | undefined) ?? []).join(', '),
      columns: batch.mapping.columns.map((c) => ({
        ...c,
        sample: preview.map((r) => r.cells[c.index]).find(Boolean) ?? '',
        fields: [{ value: '', label: t(res, 'imports.field.none'), selected: !c.field }, ...FIELDS.map((f) => ({ value: f, label: t(res, `imports.field.${f}`), selected: c.field === f }))],
        encodingChoices: ['unicode', 'tcvn3', 'vni'].map((e) => ({ value: e, label: t(res, `imports.encoding.${e}`), selected: c.encoding === e })),
      })),
      preview,
      editable: ['uploaded', 'dry_run', 'failed'].includes(batch.state) && batch.file_key !== null,
      public: batch.visibility === 'public',
      mappingError: batch.error && batch.state === 'uploaded' ? translate(locale, `imports.error.${batch.error.split(':')[0]}`, { field: translate(locale, `imports.field.${batch.error.split(':')[1] ?? ''}`) }) : null,
      failed: batch.state === 'failed' ? translate(locale, `imports.error.${batch.error ?? 'unreadable'}`) : null,
      dryRunDone: ['dry_run', 'queued', 'committing', 'committed'].includes(batch.state) && counts.rows !== undefined,
      counts,
      countRows: ['rows', 'new', 'changed', 'unchanged', 'rejected', 'duplicates', 'conflicts', 'unresolvedHometowns'].map((k) => ({ key: k, label: t(res, `imports.count.${k}`), value: counts[k] ?? 0 })),
      confidence: t(res, 'imports.count.confidence', { commune: counts.confidenceCommune ?? 0, district: counts.confidenceDistrict ?? 0, province: counts.confidenceProvince ?? 0 }),
      samples: ['new', 'changed', 'unchanged'].map((k) => ({ label: t(res, `imports.count.${k}`), rows: ((batch.samples[k] as { row: number; name: string; birth: number | null; hometown: string | null }[] | undefined) ?? []) })).filter((s) => s.rows.length),
      rejected: rejected.map(issue),
      rejectedMore: (counts.rejected ?? 0) > rejected.length ? t(res, 'imports.rejected.more', { shown: rejected.length, total: counts.rejected }) : null,
      // The retention purge removes the rejects workbook with the upload (it holds every column of the export).
      rejectsUrl: counts.rejected && !counts.rejectsRemoved ? `/quan-ly/nhap-du-lieu/${id}/loi.xlsx` : null,
      rejectsRemoved: counts.rejected ? (counts.rejectsRemoved ?? null) : null,
      duplicates: duplicates.map((d) => ({ ...issue(d), rows: ((d.details?.rows as number[]) ?? []).join(', '), martyrs: ((d.details?.martyrs as number[]) ?? []).join(', ') })),
      conflicts: (batch.state === 'committed' ? commitConflicts : conflicts).map((c) => ({ ...issue(c), current: JSON.stringify(c.details?.current ?? ''), imported: JSON.stringify(c.details?.imported ?? ''), decidable: batch.state === 'committed' && !c.resolved_at && c.column_name !== 'plot' && c.reason !== 'plot_taken' })),
      canCommit: batch.state === 'dry_run',
      commitLabel: t(res, 'imports.commit.submit', { n: (counts.new ?? 0) + (counts.changed ?? 0) }),
      running: !progress.finished,
      progress,
      progressText: batch.state === 'dry_running' ? t(res, 'imports.dryRun.running', { done: progress.done })
        : batch.state === 'queued' ? t(res, 'imports.commit.queued')
        : batch.state === 'committing' ? t(res, progress.phase === 'staging' ? 'imports.commit.staging' : 'imports.commit.applying', { done: progress.done, total: progress.total })
        : '',
      done: committed && t(res, 'imports.commit.done', { at: batch.committed_at ? localDateTime(batch.committed_at) : '', new: committed.new, changed: committed.changed, unchanged: committed.unchanged, conflicts: committed.conflicts, duplicates: committed.duplicates }),
      strings: { dryRun: t(res, 'imports.dryRun.running', { done: '{done}' }), staging: t(res, 'imports.commit.staging', { done: '{done}', total: '{total}' }), applying: t(res, 'imports.commit.applying', { done: '{done}', total: '{total}' }), queued: t(res, 'imports.commit.queued') },
      ...extra,
    }, status);
  };

  router.get('/quan-ly/nhap-du-lieu/:id', staff, async (req, res) => {
    const { id } = parseParams(ids, req.params);
    await batchPage(req, res, id);
  });

  router.get('/quan-ly/nhap-du-lieu/:id/tien-do', staff, async (req, res) => {
    const { id } = parseParams(ids, req.params);
    res.set('Cache-Control', 'no-store').json(progressOf(await batchFor(db, req.staff!.scope, id)));
  });

  const mappingBody = z.object({
    encoding: z.string().max(20).default(''),
    headerRow: z.coerce.number().int().min(1).max(50).default(1),
    visibility: z.enum(['public', 'confidential']).default('public'),
    createCemeteries: z.literal('1').optional(),
  });
  const list = (v: unknown) => (Array.isArray(v) ? v.map(String) : v === undefined ? [] : [String(v)]);

  router.post('/quan-ly/nhap-du-lieu/:id/ghep-cot', staff, formBodyOnly, async (req, res) => {
    const { id } = parseParams(ids, req.params);
    const body = mappingBody.safeParse(req.body);
    if (!body.success) throw new AppError(400, 'bad_request', t(res, 'imports.error.mapping_empty'));
    const fields = list(req.body.field);
    const encodings = list(req.body.columnEncoding);
    try {
      await saveMappingAndDryRun(db, files, actorOf(req), id, { encoding: body.data.encoding, headerRow: body.data.headerRow, visibility: body.data.visibility, createCemeteries: body.data.createCemeteries === '1', fields, encodings });
    } catch (error) {
      if (error instanceof DomainError && statusOf(error) !== 404) return batchPage(req, res, id, { error: errorText(localeOf(res), error) }, statusOf(error));
      throw error;
    }
    res.redirect(303, `/quan-ly/nhap-du-lieu/${id}`);
  });

  router.post('/quan-ly/nhap-du-lieu/:id/ghi', staff, formBodyOnly, async (req, res) => {
    const { id } = parseParams(ids, req.params);
    try {
      await requestCommit(db, actorOf(req), id);
    } catch (error) {
      if (error instanceof DomainError && statusOf(error) !== 404) return batchPage(req, res, id, { error: errorText(localeOf(res), error) }, statusOf(error));
      throw error;
    }
    res.redirect(303, `/quan-ly/nhap-du-lieu/${id}`);
  });

  router.post('/quan-ly/nhap-du-lieu/:id/xung-dot/:issue', staff, formBodyOnly, async (req, res) => {
    const { id, issue } = parseParams(z.object({ id: recordIdParam, issue: recordIdParam }), req.params);
    await decideConflict(db, actorOf(req), id, issue, req.body.decision === 'take');
    res.redirect(303, `/quan-ly/nhap-du-lieu/${id}#xung-dot`);
  });

  router.get('/quan-ly/nhap-du-lieu/:id/loi.xlsx', staff, async (req, res) => {
    const { id } = parseParams(ids, req.params);
    const batch = await batchFor(db, req.staff!.scope, id);
    const file = path.join(files.dir, rejectsFileKey(batch.id));
    await sendStream(req, res, createReadStream(file), {
      'Content-Type': 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
      'Content-Disposition': `attachment; filename="loi-nhap-${batch.id}.xlsx"`,
      'Cache-Control': 'private, no-store',
    });
  });

  return router;
}
