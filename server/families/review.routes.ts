/** Officers' review of candidate graves for family requests: the queue, one candidate beside its request, the decision. */
import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import type { Config } from '../config.js';
import type { Db } from '../db/knex.js';
import { clientIp, requireReviewer, requireStaff } from '../accounts/auth.middleware.js';
import { translate } from '../i18n/messages.js';
import { statusOf } from '../http/domain-status.js';
import { AppError, Conflict, InvalidInput } from '../http/errors.js';
import { formBodyOnly } from '../http/form-body.js';
import { localeOf } from '../http/locale.js';
import { recordIdParam } from '../http/paging.schema.js';
import { parseParams } from '../http/params.js';
import { sendPage } from '../http/render.js';
import { graveUrl } from '../records/urls.js';
import { localDateTime } from '../views/local-time.js';
import { dateText, reasonTexts } from './reasons.view.js';
import { candidateQueue, candidateView, confirmCandidate, referCandidateToDna, rejectCandidate } from './review.service.js';

const STATUSES = ['proposed', 'confirmed', 'rejected', 'dna_referred', 'withdrawn'] as const;
const PER_PAGE = 50;

export function familyReviewRoutes(db: Db, config: Config): Router {
  const router = Router();
  const t = (res: Response, key: string, params?: Record<string, unknown>) => translate(localeOf(res), key, params);

  router.get('/quan-ly/tim-mo', requireStaff(), requireReviewer, async (req, res) => {
    const f = parseParams(z.object({
      status: z.enum(STATUSES).or(z.literal('')).optional(),
      page: z.coerce.number().int().min(1).max(10_000).default(1),
      lang: z.enum(['vi', 'en']).optional(),
    }).strict(), req.query);
    const status = f.status === undefined ? 'proposed' : f.status;
    const queue = await candidateQueue(db, req.staff!.scope, { status: status || undefined, page: f.page, perPage: PER_PAGE });
    sendPage(req, res, 'staff/family-candidates', {
      title: t(res, 'families.review.title'),
      items: queue.items.map((i) => ({ ...i, statusLabel: t(res, `families.candidate.${i.status}`), graveUrl: graveUrl(Number(i.grave_id)) })),
      total: queue.total,
      statuses: STATUSES.map((s) => ({ value: s, label: t(res, `families.candidate.${s}`), selected: s === status })),
      previous: f.page > 1 ? f.page - 1 : null,
      next: f.page * PER_PAGE < queue.total ? f.page + 1 : null,
      status,
    });
  });

  const show = async (req: Request, res: Response, id: number, error?: string, httpStatus = 200) => {
    const { candidate: c, events } = await candidateView(db, req.staff!.scope, id);
    const locale = localeOf(res);
    sendPage(req, res, 'staff/family-candidate', {
      title: `${t(res, 'families.review.candidate')} #${c.id}`,
      c,
      statusLabel: t(res, `families.candidate.${c.status}`),
      open: c.status === 'proposed' && c.decides,
      reasons: reasonTexts(locale, c.reasons),
      noticeDeath: dateText(c.death_year, c.death_month, c.death_day),
      graveDeath: dateText(c.known_death_year, c.known_death_month, c.known_death_day),
      graveUrl: graveUrl(Number(c.grave_id)),
      dnaContacts: config.dnaReferralContacts,
      events: events.map((e: { kind: string; at: Date; public_message: string | null; display_name: string | null }) => ({ ...e, public_message: e.kind === 'candidates_found' ? null : e.public_message, label: t(res, `families.event.${e.kind}`, { n: e.public_message ?? '' }), at: localDateTime(e.at), datetime: e.at.toISOString() })),
      error,
    }, httpStatus);
  };

  router.get('/quan-ly/tim-mo/:id', requireStaff(), requireReviewer, async (req, res) => {
    const { id } = parseParams(z.object({ id: recordIdParam }), req.params);
    await show(req, res, id);
  });

  router.post('/quan-ly/tim-mo/:id', requireStaff(), requireReviewer, formBodyOnly, async (req, res) => {
    const { id } = parseParams(z.object({ id: recordIdParam }), req.params);
    const body = (req.body ?? {}) as Record<string, unknown>;
    const text = (key: string) => (typeof body[key] === 'string' ? (body[key] as string).normalize('NFC').trim().slice(0, 2000) : '');
    const version = Number(text('version'));
    const actor = { userId: req.staff!.session.userId, ip: clientIp(req) };
    try {
      if (!Number.isInteger(version) || !text('version')) throw new AppError(400, 'bad_request', 'version: missing');
      if (body.decision === 'confirm') await confirmCandidate(db, req.staff!.scope, actor, id, version, text('note') || null);
      else if (body.decision === 'reject') await rejectCandidate(db, req.staff!.scope, actor, id, version, text('reason'));
      else if (body.decision === 'dna') await referCandidateToDna(db, req.staff!.scope, actor, id, version, text('note') || null);
      else throw new AppError(400, 'bad_request', 'decision: confirm, reject or dna');
    } catch (error) {
      // A refused decision brings the page back with why; an unknown or out-of-scope candidate stays a 404.
      const refused = error instanceof Conflict || error instanceof InvalidInput || (error instanceof AppError && error.status === 400);
      if (refused && req.accepts(['html', 'json']) !== 'json') {
        const message = error instanceof InvalidInput ? t(res, 'families.review.reasonNeeded') : error instanceof Conflict ? t(res, `families.review.conflict.${error.code}`) : (error as Error).message;
        return show(req, res, id, message, error instanceof AppError ? error.status : statusOf(error as Conflict));
      }
      throw error;
    }
    res.redirect(303, `/quan-ly/tim-mo/${id}`);
  });

  return router;
}
