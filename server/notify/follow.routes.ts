/**
 * Following by email, on the public side, and the staff view of waiting mail:
 *   POST /theo-doi-thu                      follow a martyr, grave, cemetery, submission or a saved search (sends the confirmation)
 *   GET  /theo-doi-thu/xac-nhan/:token      the confirmation link
 *   GET  /huy-theo-doi/:token               asks (mail scanners open links: a visit changes nothing)
 *   POST /huy-theo-doi/:token               unsubscribes: the form, or a mail client's one click (RFC 8058)
 *   GET  /quan-ly/thu-cho-gui               admins: what waits to be sent, and whether SMTP is configured
 *   POST /quan-ly/thu-cho-gui/:id/gui-lai   admins: try a parked message again
 */
import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import { clientIp, requireStaff } from '../accounts/auth.middleware.js';
import type { Config } from '../config.js';
import type { Db } from '../db/knex.js';
import { retryAfterOf, statusOf } from '../http/domain-status.js';
import { DomainError, InvalidInput, NotFound } from '../http/errors.js';
import { formBodyOnly } from '../http/form-body.js';
import { localeOf } from '../http/locale.js';
import { recordIdParam } from '../http/paging.schema.js';
import { parseParams } from '../http/params.js';
import { sendPage, wantsJson } from '../http/render.js';
import { translate } from '../i18n/messages.js';
import { normalizeTrackingCode } from '../submissions/tracking-code.js';
import { localDateTime } from '../views/local-time.js';
import { mailSiteOf } from './notify.job.js';
import { unparkMail, waitingMail, waitingMailFigures } from './notify.queries.js';
import { confirmFollow, followOfUnsubscribeToken, requestFollow, unsubscribe, type FollowTarget } from './notify.service.js';

/** Left empty by people; a bot that fills every field is answered as if it worked, and nothing is stored. */
const HONEYPOT = 'website';
const id = z.coerce.number().int().positive().max(Number.MAX_SAFE_INTEGER);

const followForm = z.object({
  target: z.enum(['martyr', 'grave', 'cemetery', 'submission', 'search']),
  id: id.optional(),
  code: z.string().max(20).optional(),
  email: z.string().max(300).default(''),
  cadence: z.enum(['immediate', 'daily']).default('immediate'),
  q: z.string().max(200).optional(),
  province: z.string().max(60).optional(),
  unit: z.string().max(100).optional(),
  birthYear: z.string().max(9).optional(),
  deathYear: z.string().max(9).optional(),
});

function targetOf(f: z.output<typeof followForm>): FollowTarget {
  switch (f.target) {
    case 'martyr':
    case 'grave':
    case 'cemetery':
      if (!f.id) throw new InvalidInput('Which record?', { field: 'id' }, 'bad_request');
      return { type: f.target, id: f.id };
    case 'submission': {
      const code = f.code ? normalizeTrackingCode(f.code) : undefined;
      if (!code) throw new NotFound();
      return { type: 'submission', code };
    }
    case 'search':
      return { type: 'search', search: { q: f.q ?? '', province: f.province, unit: f.unit, birthYear: f.birthYear, deathYear: f.deathYear } };
  }
}

/** The page the form was sent from, when it is one of ours. */
function sameSitePath(req: Request): string {
  try {
    const referer = new URL(req.get('referer') ?? '');
    return referer.host === req.get('host') ? referer.pathname : '/';
  } catch {
    return '/';
  }
}

/** Masks an address for the staff list: enough to answer "was it mine?", not to copy it. */
const masked = (email: string | null) => (email ? email.replace(/^(.)[^@]*(@.).*?(\.[^.]+)$/, '$1***$2***$3') : '—');

export function followRoutes(db: Db, config: Config): Router {
  const router = Router();
  const site = mailSiteOf(config);
  const t = (res: Response, key: string, params?: Record<string, unknown>) => translate(localeOf(res), key, params);
  const result = (req: Request, res: Response, page: { title: string; message: string; note?: string; back?: string; isError?: boolean; form?: { action: string; button: string } }, status = 200) => {
    res.set('Cache-Control', 'no-store');
    sendPage(req, res, 'notify-result', page, status);
  };

  router.post('/theo-doi-thu', formBodyOnly, async (req, res) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    const back = sameSitePath(req);
    const parsed = followForm.safeParse(body);
    const fail = (status: number, message: string) => {
      if (wantsJson(req)) return res.status(status).json({ error: { code: status === 429 ? 'too_many_follows' : 'bad_request', message } });
      result(req, res, { title: t(res, 'notify.follow.title'), message, back, isError: true }, status);
    };
    if (!parsed.success) return fail(400, t(res, 'notify.follow.invalid'));
    if (typeof body[HONEYPOT] === 'string' && body[HONEYPOT]) return result(req, res, { title: t(res, 'notify.follow.title'), message: t(res, 'notify.follow.sent', { label: '' }), back });
    try {
      const done = await requestFollow(db, site, { email: parsed.data.email, locale: localeOf(res), cadence: parsed.data.cadence, target: targetOf(parsed.data), ip: clientIp(req) });
      if (wantsJson(req)) return res.status(202).json({ status: 'confirmation_sent', label: done.label });
      result(req, res, { title: t(res, 'notify.follow.title'), message: t(res, 'notify.follow.sent', { label: done.label }), note: t(res, 'notify.follow.sentNote'), back: done.path });
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      const status = statusOf(error);
      const wait = retryAfterOf(error);
      if (wait) res.set('Retry-After', String(wait));
      if (status === 404) throw error;
      fail(status, status === 429 ? t(res, 'notify.follow.rateLimited', { minutes: Math.ceil((wait ?? 60) / 60) }) : error.code === 'invalid_email' ? t(res, 'notify.follow.invalidEmail') : t(res, 'notify.follow.invalid'));
    }
  });

  router.get('/theo-doi-thu/xac-nhan/:token', async (req, res) => {
    const done = await confirmFollow(db, String(req.params.token));
    if (!done) return result(req, res, { title: t(res, 'notify.confirm.title'), message: t(res, 'notify.confirm.unknown'), isError: true }, 404);
    result(req, res, { title: t(res, 'notify.confirm.title'), message: t(res, 'notify.confirm.done', { label: done.label }), back: done.path });
  });

  router.get('/huy-theo-doi/:token', async (req, res) => {
    const token = String(req.params.token);
    const follow = await followOfUnsubscribeToken(db, token);
    if (!follow || follow.ended) return result(req, res, { title: t(res, 'notify.unsubscribe.title'), message: t(res, 'notify.unsubscribe.unknown') }, follow ? 200 : 404);
    result(req, res, { title: t(res, 'notify.unsubscribe.title'), message: t(res, 'notify.unsubscribe.ask', { label: follow.label }), form: { action: `/huy-theo-doi/${token}`, button: t(res, 'notify.unsubscribe.button') } });
  });

  // A mail client's one-click POST carries "List-Unsubscribe=One-Click" and no cookie or token: the link is the authority.
  router.post('/huy-theo-doi/:token', formBodyOnly, async (req, res) => {
    const done = await unsubscribe(db, String(req.params.token));
    if (wantsJson(req) || (req.body as Record<string, unknown>)?.['List-Unsubscribe'] === 'One-Click') {
      return done ? res.status(200).json({ status: 'unsubscribed' }) : res.status(404).json({ error: { code: 'not_found', message: t(res, 'notify.unsubscribe.unknown') } });
    }
    if (!done) return result(req, res, { title: t(res, 'notify.unsubscribe.title'), message: t(res, 'notify.unsubscribe.unknown') }, 404);
    result(req, res, { title: t(res, 'notify.unsubscribe.title'), message: t(res, 'notify.unsubscribe.done', { label: done.label }) });
  });

  router.get('/quan-ly/thu-cho-gui', requireStaff('admin'), async (req, res) => {
    const [figures, rows] = await Promise.all([waitingMailFigures(db), waitingMail(db, 200)]);
    sendPage(req, res, 'staff/mail-waiting', {
      title: t(res, 'notify.staff.title'),
      smtp: Boolean(config.mail.smtpUrl),
      figures: { ...figures, oldest: figures.oldest ? localDateTime(figures.oldest) : null },
      rows: rows.map((r) => ({ ...r, to: masked(r.email), kindLabel: t(res, `notify.staff.kind.${r.kind}`), created: localDateTime(r.created_at), parked: Boolean(r.parked_at) })),
    });
  });

  router.post('/quan-ly/thu-cho-gui/:id/gui-lai', requireStaff('admin'), formBodyOnly, async (req, res) => {
    const { id: mailId } = parseParams(z.object({ id: recordIdParam }), req.params);
    if (!(await unparkMail(db, mailId))) throw new NotFound();
    res.redirect(303, '/quan-ly/thu-cho-gui');
  });

  return router;
}
