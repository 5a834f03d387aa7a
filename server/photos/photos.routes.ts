/**
 * Headstone photos from the field (/quan-ly/anh):
 *   GET  /quan-ly/anh                     the upload page (one request per photo, retried by upkeep.js)
 *   POST /quan-ly/anh                     one photo: requireStaff → multipart → csrfCheck → store and propose
 *   GET  /quan-ly/anh/duyet               the review screen: each waiting photo beside its proposed graves
 *   POST /quan-ly/anh/duyet               confirm, pick another grave, type a plot, assign a row, or discard
 *   GET  /quan-ly/anh/tai-len/:id/:size   a waiting photo's staff-only copy (its uploader only)
 *   GET  /quan-ly/anh/:id/goc             a grave photo's private original (staff whose scope has the grave)
 *   GET  /photos/graves/…                 a photo /photos withholds from the public, for staff whose scope has it
 * Answers JSON to clients that ask for it (fetch with Accept: application/json) and pages otherwise.
 */
import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import { clientIp, csrfCheck, requireStaff } from '../accounts/auth.middleware.js';
import { translate } from '../i18n/messages.js';
import { NotFoundError } from '../http/errors.js';
import { localeOf } from '../http/locale.js';
import { recordIdParam } from '../http/paging.schema.js';
import { sendStream } from '../http/stream-file.js';
import { formBodyOnly } from '../http/form-body.js';
import { parseParams } from '../http/params.js';
import { sendPage, wantsJson } from '../http/render.js';
import { recordInScope } from '../staff/staff.queries.js';
import { photoOfFile } from './photo-files.queries.js';
import { HEIC_DECODES, MAX_PHOTO_BYTES, PhotoRejected } from './photo-processing.js';
import { assignUploads, discardUpload, receivePhoto, type Actor, type Assignment, type PhotoDeps } from './photos.service.js';
import { photoOriginalKey, photoSizeKey } from './photos.queries.js';
import { localizedRejection, photoUpload } from './upload.middleware.js';
import { graveView, uploadView } from './upload.view.js';
import { cemeteriesInScope, findOwnUploads, graveAtPlot, graveSummaries, gravesOfRow, pendingUploads, proposalsOf, recentlyAssigned, type UploadRow } from './uploads.queries.js';

/** Photos shown on one review page; the rest wait for the next. */
const REVIEW_PAGE = 60;

const actorOf = (req: Request): Actor => ({ userId: req.staff!.session.userId, ip: clientIp(req), scope: req.staff!.scope });
const text = (v: unknown, max = 20): string | null => (typeof v === 'string' && v.trim() ? v.trim().slice(0, max) : null);
const list = (v: unknown): string[] => (Array.isArray(v) ? v.map(String) : typeof v === 'string' ? [v] : []);

const MEDIA_TYPES: Record<string, string> = { jpg: 'image/jpeg', png: 'image/png', webp: 'image/webp', heic: 'image/heic', heif: 'image/heif' };

export function photoRoutes(deps: PhotoDeps): Router {
  const router = Router();
  const { db, store } = deps;
  const t = (res: Response, key: string, params?: Record<string, unknown>) => translate(localeOf(res), key, params);

  const uploadPage = async (req: Request, res: Response, extra: Record<string, unknown> = {}, status = 200) => {
    const { total } = await pendingUploads(db, req.staff!.session.userId, 0);
    sendPage(req, res, 'staff/photo-upload', {
      title: t(res, 'upkeep.upload.title'),
      bodyClass: 'upkeep',
      pending: total,
      maxMb: Math.round(MAX_PHOTO_BYTES / 1024 / 1024),
      heic: HEIC_DECODES,
      ...extra,
    }, status);
  };

  router.get('/quan-ly/anh', requireStaff(), (req, res) => uploadPage(req, res));

  router.post('/quan-ly/anh', requireStaff(), photoUpload, csrfCheck, async (req, res) => {
    const locale = localeOf(res);
    const file = req.file;
    const name = file?.originalname ?? null;
    try {
      if (!file) throw new PhotoRejected('empty', 'no photo was sent');
      const { uploadId, duplicate } = await receivePhoto(deps, actorOf(req), { data: file.buffer, name });
      if (!wantsJson(req)) return res.redirect(303, `/quan-ly/anh/duyet#anh-${uploadId}`);
      const [upload] = await findOwnUploads(db, req.staff!.session.userId, [uploadId]);
      const proposals = await proposalsOf(db, req.staff!.scope, [uploadId]);
      res.status(duplicate ? 200 : 201).json({ duplicate, upload: uploadView(upload!, proposals, locale), reviewUrl: '/quan-ly/anh/duyet' });
    } catch (error) {
      if (!(error instanceof PhotoRejected)) throw error;
      const refusal = localizedRejection(locale, error, name);
      if (wantsJson(req)) throw refusal;
      await uploadPage(req, res, { error: refusal.message }, refusal.status);
    }
  });

  /** The review screen; `outcome` carries what a POST did and the errors per photo. */
  const reviewPage = async (req: Request, res: Response, outcome: { done?: number; errors?: Map<number, string>; error?: string } = {}, status = 200) => {
    const locale = localeOf(res);
    const userId = req.staff!.session.userId;
    const scope = req.staff!.scope;
    const [{ total, rows }, recent, cemeteries] = await Promise.all([pendingUploads(db, userId, REVIEW_PAGE), recentlyAssigned(db, userId, 12), cemeteriesInScope(db, scope)]);
    const proposals = await proposalsOf(db, scope, rows.map((r) => r.id));
    const recentGraves = new Map((await graveSummaries(db, scope, recent.map((r) => r.assigned_grave_id!))).map((g) => [g.grave_id, graveView(g, locale)]));
    const body = (req.method === 'POST' ? req.body : {}) as Record<string, unknown>;
    const firstCemetery = proposals[0]?.cemetery_id ?? cemeteries[0]?.id;
    const chosenCemetery = Number(body.cem) || firstCemetery;
    sendPage(req, res, 'staff/photo-review', {
      title: t(res, 'upkeep.review.title'),
      bodyClass: 'upkeep',
      total,
      more: total > rows.length,
      uploads: rows.map((u) => {
        const view = uploadView(u, proposals, locale);
        const chosen = typeof body[`choice[${u.id}]`] === 'string' ? String(body[`choice[${u.id}]`]) : view.proposals.length ? `g${view.proposals[0]!.graveId}` : 'later';
        return {
          ...view,
          proposals: view.proposals.map((p) => ({ ...p, value: `g${p.graveId}`, checked: chosen === `g${p.graveId}` })),
          later: chosen === 'later',
          discard: chosen === 'discard',
          plot: { khu: text(body[`khu[${u.id}]`]) ?? '', hang: text(body[`hang[${u.id}]`]) ?? '', so: text(body[`so[${u.id}]`]) ?? '' },
          selected: list(body.sel).includes(String(u.id)),
          error: outcome.errors?.get(u.id),
        };
      }),
      cemeteries: cemeteries.map((c) => ({ ...c, selected: c.id === chosenCemetery })),
      singleCemetery: cemeteries.length === 1 ? cemeteries[0] : null,
      manyCemeteries: cemeteries.length > 1,
      row: { khu: text(body.row_khu) ?? '', hang: text(body.row_hang) ?? '', from: text(body.row_from) ?? '', descending: body.row_order === 'desc' },
      recent: [...new Set(recent.map((r) => r.assigned_grave_id!))].map((id) => recentGraves.get(id)).filter(Boolean),
      done: outcome.done ?? (typeof req.query.xong === 'string' ? Number(req.query.xong) || 0 : 0),
      error: outcome.error,
    }, status);
  };

  router.get('/quan-ly/anh/duyet', requireStaff(), (req, res) => reviewPage(req, res));

  router.post('/quan-ly/anh/duyet', requireStaff(), formBodyOnly, async (req, res) => {
    const actor = actorOf(req);
    const body = req.body as Record<string, unknown>;
    const { rows: pending } = await pendingUploads(db, actor.userId, 1000);
    const errors = new Map<number, string>();
    const assignments: Assignment[] = [];
    const discards: number[] = [];
    const cemeteryId = Number(body.cem);

    if (body.action === 'row') {
      // The chosen photos in the order they were taken, onto the row's graves in plot order.
      const chosen = new Set(list(body.sel).map(Number));
      const photos = pending.filter((u) => chosen.has(u.id));
      const row = text(body.row_hang);
      if (!photos.length) return reviewPage(req, res, { error: t(res, 'upkeep.review.rowNoPhotos') }, 400);
      if (!Number.isSafeInteger(cemeteryId) || !row) return reviewPage(req, res, { error: t(res, 'upkeep.review.rowMissing') }, 400);
      const graves = await gravesOfRow(db, actor.scope, { cemeteryId, section: text(body.row_khu), row, from: text(body.row_from), descending: body.row_order === 'desc' });
      if (graves.length < photos.length) {
        return reviewPage(req, res, { error: t(res, 'upkeep.review.rowTooShort', { graves: graves.length, photos: photos.length }) }, 400);
      }
      photos.forEach((u, i) => assignments.push({ uploadId: u.id, graveId: graves[i]!.id, method: 'row' }));
    } else {
      const proposals = await proposalsOf(db, actor.scope, pending.map((u) => u.id));
      for (const u of pending) {
        const choice = text(body[`choice[${u.id}]`]);
        if (!choice || choice === 'later') {
          if (!text(body[`so[${u.id}]`])) continue;
        }
        if (choice === 'discard') {
          discards.push(u.id);
          continue;
        }
        // A plot number typed wins over the proposal ticked by default: typing it is the deliberate act.
        const number = text(body[`so[${u.id}]`]);
        if (number) {
          const found = Number.isSafeInteger(cemeteryId)
            ? await graveAtPlot(db, actor.scope, { cemeteryId, section: text(body[`khu[${u.id}]`]), row: text(body[`hang[${u.id}]`]), number })
            : 'none';
          if (found === 'none') errors.set(u.id, t(res, 'upkeep.review.plotNotFound'));
          else if (found === 'ambiguous') errors.set(u.id, t(res, 'upkeep.review.plotAmbiguous'));
          else assignments.push({ uploadId: u.id, graveId: found, method: 'plot' });
          continue;
        }
        const graveId = /^g\d{1,18}$/.test(choice ?? '') ? Number(choice!.slice(1)) : NaN;
        const proposal = proposals.find((p) => p.upload_id === u.id && p.grave_id === graveId);
        if (!proposal) errors.set(u.id, t(res, 'upkeep.review.choose'));
        else assignments.push({ uploadId: u.id, graveId, method: 'proposal', distanceM: Math.round(proposal.distance_m * 10) / 10 });
      }
    }
    const done = (await assignUploads(deps, actor, assignments)).length;
    for (const id of discards) await discardUpload(deps, actor, id);
    if (errors.size) return reviewPage(req, res, { done, errors, error: t(res, 'upkeep.review.someFailed', { count: errors.size }) }, 422);
    res.redirect(303, `/quan-ly/anh/duyet?xong=${done}`);
  });

  router.get('/quan-ly/anh/tai-len/:id/:size', requireStaff(), async (req, res) => {
    const { id, size } = parseParams(z.object({ id: recordIdParam, size: z.enum(['thumb', 'page', 'full']) }), req.params);
    const [upload] = await findOwnUploads(db, req.staff!.session.userId, [id]);
    if (!upload) throw new NotFoundError();
    const key = upload.assigned_photo_id === null ? stagedKey(upload, size) : null;
    if (!key || !(await store.exists(key))) {
      // Once on its grave the photo is public: its staging copies are gone.
      if (upload.assigned_grave_id !== null) {
        const key = await photoSizeKey(db, upload.assigned_photo_id!, size);
        if (key) return res.redirect(302, `/photos/${key}`);
      }
      throw new NotFoundError();
    }
    await sendStream(req, res, store.read(key), { 'Content-Type': 'image/jpeg', 'Cache-Control': 'private, max-age=3600', 'X-Content-Type-Options': 'nosniff' });
  });

  router.get('/quan-ly/anh/:id/goc', requireStaff(), async (req, res) => {
    const { id } = parseParams(z.object({ id: recordIdParam }), req.params);
    if (!(await recordInScope(db, req.staff!.scope, 'photo', id))) throw new NotFoundError();
    const originalKey = await photoOriginalKey(db, id);
    if (!originalKey || !(await store.exists(originalKey))) throw new NotFoundError();
    const extension = originalKey.split('.').pop() ?? '';
    await sendStream(req, res, store.read(originalKey), {
      'Content-Type': MEDIA_TYPES[extension] ?? 'application/octet-stream',
      // The original still carries its metadata (GPS, device): staff download it, browsers do not render it inline.
      'Content-Disposition': `attachment; filename="photo-${id}.${extension}"`,
      'Cache-Control': 'private, no-store',
      'X-Content-Type-Options': 'nosniff',
    });
  });

  // /photos serves only public_photos. A photo of a grave where a confidential martyr lies still
  // shows on the staff pages, under the same address: served here, privately, to staff whose scope
  // has it; anyone else falls through to the 404.
  router.get(STAFF_PHOTO_FILE, async (req, res, next) => {
    const key = req.path.slice('/photos/'.length);
    const graveId = Number(/^graves\/(\d+)\//.exec(key)?.[1]);
    const photoId = req.staff ? await photoOfFile(db, graveId, key) : undefined;
    if (photoId === undefined || !(await recordInScope(db, req.staff!.scope, 'photo', photoId)) || !(await store.exists(key))) return next();
    await sendStream(req, res, store.read(key), { 'Content-Type': 'image/jpeg', 'Cache-Control': 'private, no-store', 'X-Content-Type-Options': 'nosniff' });
  });

  return router;
}

/** The public sizes' addresses (photoKeys.grave), as pages/photos.static.ts serves them to everyone when public. */
const STAFF_PHOTO_FILE = /^\/photos\/graves\/\d{1,18}\/[A-Za-z0-9_-]+-(?:thumb|page|full)\.jpg$/;

function stagedKey(upload: UploadRow, size: 'thumb' | 'page' | 'full'): string {
  return size === 'thumb' ? upload.thumb_key : size === 'page' ? upload.page_key : upload.full_key;
}
