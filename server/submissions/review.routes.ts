/** Officers' review of submissions in the staff area: the queue, one submission, the decision, evidence. */
import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import type { Config } from '../config.js';
import type { Db } from '../db/knex.js';
import { clientIp, requireReviewer, requireStaff } from '../accounts/auth.middleware.js';
import { translate } from '../i18n/messages.js';
import { statusOf } from '../http/domain-status.js';
import { AppError, InvalidInput } from '../http/errors.js';
import { formBodyOnly } from '../http/form-body.js';
import { localeOf } from '../http/locale.js';
import { recordIdParam } from '../http/paging.schema.js';
import { parseParams } from '../http/params.js';
import { sendPage } from '../http/render.js';
import { sendStream } from '../http/stream-file.js';
import type { ProvinceCatalogue } from '../places/province-catalogue.js';
import { AdjustedValueInvalid, CemeteryNotInScope } from './accept.schema.js';
import { BURIAL_FIELDS, MARTYR_FIELDS, SUBMISSION_KINDS, type Proposal } from './proposal.js';
import { acceptSubmission, ActedMeanwhile, askForInformation, evidenceFile, rejectSubmission, reviewQueue, reviewView, startReview, type ReviewStores } from './review.service.js';
import { localDateTime } from '../views/local-time.js';

const STATUSES = ['open', 'received', 'in_review', 'needs_info', 'accepted', 'rejected'] as const;
const PER_PAGE = 50;

export function submissionReviewRoutes(db: Db, config: Config, provinces: ProvinceCatalogue, stores: ReviewStores): Router {
  const router = Router();
  const t = (res: Response, key: string, params?: Record<string, unknown>) => translate(localeOf(res), key, params);
  const actor = (req: Request) => ({ userId: req.staff!.session.userId, ip: clientIp(req) });
  /** What the officer reads above the form they get back; nothing was written. */
  const decisionError = (res: Response, error: AppError | ActedMeanwhile | InvalidInput | CemeteryNotInScope) =>
    error instanceof ActedMeanwhile ? t(res, 'review.conflict')
    : error instanceof CemeteryNotInScope ? t(res, 'review.cemeteryNotInScope')
    : error instanceof AdjustedValueInvalid ? t(res, 'review.invalidValue', { field: t(res, `submit.field.${error.field}`), problem: t(res, `review.problem.${error.problem}`) })
    : error.message;

  router.get('/quan-ly/thong-tin', requireStaff(), requireReviewer, async (req, res) => {
    const filter = parseParams(
      z.object({
        status: z.enum(STATUSES).or(z.literal('')).optional(),
        kind: z.enum(SUBMISSION_KINDS).or(z.literal('')).optional(),
        province: z.string().regex(/^\d{2}$/).or(z.literal('')).optional(),
        olderThanDays: z.coerce.number().int().min(1).max(3650).optional().or(z.literal('').transform(() => undefined)),
        page: z.coerce.number().int().min(1).max(10_000).default(1),
        lang: z.enum(['vi', 'en']).optional(),
      }).strict(),
      req.query,
    );
    const status = filter.status === undefined ? 'open' : filter.status;
    const queue = await reviewQueue(db, req.staff!.scope, { ...filter, status: status || undefined, kind: filter.kind || undefined, province: filter.province || undefined, perPage: PER_PAGE });
    const query = new URLSearchParams(Object.entries({ ...filter, status }).filter(([k, v]) => k !== 'page' && v !== undefined).map(([k, v]) => [k, String(v)])).toString();
    sendPage(req, res, 'staff/submissions', {
      title: t(res, 'review.title'),
      // A median of 0.0 days is a value to show, not a missing one.
      median: queue.medianDaysToDecision === null ? '—' : queue.medianDaysToDecision.toLocaleString(localeOf(res) === 'vi' ? 'vi-VN' : 'en-GB'),
      queue: { ...queue, items: queue.items.map((i: Record<string, unknown>) => ({ ...i, kindLabel: t(res, `submit.kind.${i.kind}`), statusLabel: t(res, `track.status.${i.status}`) })) },
      counts: ['received', 'in_review', 'needs_info', 'accepted', 'rejected'].map((s) => ({ status: s, label: t(res, `track.status.${s}`), count: queue.byStatus[s] ?? 0 })),
      statuses: STATUSES.map((s) => ({ value: s, label: s === 'open' ? t(res, 'review.open') : t(res, `track.status.${s}`), selected: s === status })),
      kinds: SUBMISSION_KINDS.map((k) => ({ value: k, label: t(res, `submit.kind.${k}`), selected: k === filter.kind })),
      provinces: (req.staff!.scope.national ? provinces.current : provinces.current.filter((p) => req.staff!.scope.provinceCodes.includes(p.code))).map((p) => ({ code: p.code, name: p.name, selected: p.code === filter.province })),
      filter,
      previous: filter.page > 1 ? filter.page - 1 : null,
      next: filter.page * PER_PAGE < queue.total ? filter.page + 1 : null,
      query,
    });
  });

  const showSubmission = async (req: Request, res: Response, id: number, error?: string, status = 200) => {
    const view = await reviewView(db, req.staff!.scope, id);
    const s = view.submission;
    sendPage(req, res, 'staff/submission', {
      title: `${t(res, 'review.submission')} ${s.tracking_code}`,
      view,
      s,
      kindLabel: t(res, `submit.kind.${s.kind}`),
      statusLabel: t(res, `track.status.${s.status}`),
      fields: view.fields.map((f) => ({ ...f, label: t(res, `submit.field.${f.field}`) })),
      events: view.events.map((e: { kind: string; at: Date }) => ({ ...e, label: t(res, `track.event.${e.kind}`), at: localDateTime(e.at), datetime: e.at.toISOString() })),
      editable: view.open && s.kind !== 'headstone_photo',
      error,
    }, status);
  };

  router.get('/quan-ly/thong-tin/:id', requireStaff(), requireReviewer, async (req, res) => {
    const { id } = parseParams(z.object({ id: recordIdParam }), req.params);
    await showSubmission(req, res, id);
  });

  router.post('/quan-ly/thong-tin/:id/xem-xet', requireStaff(), requireReviewer, formBodyOnly, async (req, res) => {
    const { id } = parseParams(z.object({ id: recordIdParam }), req.params);
    const { version } = parseParams(z.object({ version: z.string().regex(/^\d{1,9}$/, 'a version number').transform(Number) }), req.body ?? {});
    try {
      await startReview(db, req.staff!.scope, actor(req), id, version);
    } catch (error) {
      if (error instanceof ActedMeanwhile && req.accepts(['html', 'json']) !== 'json') return showSubmission(req, res, id, t(res, 'review.conflict'), 409);
      throw error;
    }
    res.redirect(303, `/quan-ly/thong-tin/${id}`);
  });

  router.post('/quan-ly/thong-tin/:id', requireStaff(), requireReviewer, formBodyOnly, async (req, res) => {
    const { id } = parseParams(z.object({ id: recordIdParam }), req.params);
    const body = (req.body ?? {}) as Record<string, unknown>;
    const text = (key: string) => (typeof body[key] === 'string' ? (body[key] as string).normalize('NFC') : '');
    const version = Number(text('version'));
    if (!Number.isInteger(version)) throw new AppError(400, 'bad_request', 'version: missing');
    try {
      if (body.decision === 'accept') {
        const adjusted: Proposal = {};
        for (const field of [...MARTYR_FIELDS, ...BURIAL_FIELDS]) if (`value_${field}` in body) adjusted[field] = text(`value_${field}`);
        await acceptSubmission(db, stores, req.staff!.scope, actor(req), id, version, adjusted, text('note').trim().slice(0, 2000) || null);
      } else if (body.decision === 'reject') {
        await rejectSubmission(db, req.staff!.scope, actor(req), id, version, text('reason').slice(0, 2000));
      } else if (body.decision === 'ask') {
        await askForInformation(db, req.staff!.scope, actor(req), id, version, text('question').slice(0, 2000));
      } else {
        throw new AppError(400, 'bad_request', 'decision: accept, reject or ask');
      }
    } catch (error) {
      // A refused decision (someone else first, a value the records cannot take, a cemetery out of
      // reach, a malformed form) brings the form back; a submission not there stays a 404 page.
      const refused = error instanceof ActedMeanwhile || error instanceof InvalidInput || error instanceof CemeteryNotInScope || (error instanceof AppError && error.status === 400);
      if (refused) {
        if (req.accepts(['html', 'json']) === 'json') throw error;
        return showSubmission(req, res, id, decisionError(res, error), error instanceof AppError ? error.status : statusOf(error));
      }
      throw error;
    }
    res.redirect(303, `/quan-ly/thong-tin/${id}`);
  });

  router.get('/quan-ly/thong-tin/:id/tep/:file', requireStaff(), requireReviewer, async (req, res) => {
    const { id, file } = parseParams(z.object({ id: recordIdParam, file: recordIdParam }), req.params);
    const found = await evidenceFile(db, req.staff!.scope, id, file);
    // PDFs are only downloaded, never rendered inside the portal; images were re-encoded on arrival
    // and may be shown in the page.
    const inline = found.media_type === 'image/jpeg' && req.query.xem === '1';
    await sendStream(req, res, stores.privateStore.read(found.storage_key), {
      'Content-Type': found.media_type,
      'Content-Disposition': `${inline ? 'inline' : 'attachment'}; filename="bang-chung-${id}-${file}.${found.media_type === 'application/pdf' ? 'pdf' : 'jpg'}"`,
      'Content-Security-Policy': "sandbox; default-src 'none'",
      'X-Content-Type-Options': 'nosniff',
      'Cache-Control': 'private, no-store',
    });
  });

  return router;
}
