/**
 * Remembrance on martyrs' pages and its moderation:
 *   POST /liet-si/:id/thap-huong          light a stick of incense (one per visitor per day; a random cookie, no address kept)
 *   POST /liet-si/:id/loi-tuong-niem      leave a short message (shown once staff approve it)
 *   GET  /quan-ly/loi-tuong-niem          staff: messages waiting, of martyrs in their scope
 *   POST /quan-ly/loi-tuong-niem/:id      staff: approve or reject
 */
import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import { clientIp, requireStaff } from '../accounts/auth.middleware.js';
import type { Db } from '../db/knex.js';
import { retryAfterOf } from '../http/domain-status.js';
import { InvalidInput } from '../http/errors.js';
import { formBodyOnly } from '../http/form-body.js';
import { localeOf } from '../http/locale.js';
import { recordIdParam } from '../http/paging.schema.js';
import { parseParams } from '../http/params.js';
import { sendPage, wantsJson } from '../http/render.js';
import { translate } from '../i18n/messages.js';
import { martyrUrl } from '../records/urls.js';
import { localDateTime } from '../views/local-time.js';
import { isVisitorId, leaveMessage, lightIncenseFor, moderate, moderationQueue, newVisitorId, TooManyMessages } from './remembrance.service.js';

export const VISITOR_COOKIE = 'visitor';
const ONE_YEAR_MS = 365 * 86_400_000;
const idParams = z.object({ id: recordIdParam });

export function remembranceRoutes(db: Db): Router {
  const router = Router();
  const t = (res: Response, key: string, params?: Record<string, unknown>) => translate(localeOf(res), key, params);
  const back = (id: number, flag: string) => `/liet-si/${id}?${flag}#tuong-niem`;

  router.post('/liet-si/:id/thap-huong', formBodyOnly, async (req, res) => {
    const { id } = parseParams(idParams, req.params);
    let visitor: unknown = req.cookies?.[VISITOR_COOKIE];
    if (!isVisitorId(visitor)) {
      visitor = newVisitorId();
      res.cookie(VISITOR_COOKIE, visitor, { maxAge: ONE_YEAR_MS, httpOnly: true, sameSite: 'lax', secure: req.secure });
    }
    const { lit, sticks } = await lightIncenseFor(db, id, visitor as string);
    if (wantsJson(req)) return res.json({ lit, sticks });
    res.redirect(303, back(id, `incense=${lit ? 'lit' : 'already'}`));
  });

  router.post('/liet-si/:id/loi-tuong-niem', formBodyOnly, async (req, res) => {
    const { id } = parseParams(idParams, req.params);
    const body = (req.body ?? {}) as Record<string, unknown>;
    const text = (k: string) => (typeof body[k] === 'string' ? (body[k] as string) : '');
    // A bot that fills the hidden field is thanked and nothing is kept.
    if (text('website')) return res.redirect(303, back(id, 'message=sent'));
    try {
      await leaveMessage(db, { martyrId: id, authorName: text('authorName'), body: text('body'), ip: clientIp(req) });
    } catch (error) {
      if (!(error instanceof InvalidInput) && !(error instanceof TooManyMessages)) throw error;
      const status = error instanceof TooManyMessages ? 429 : 400;
      const wait = retryAfterOf(error);
      if (wait) res.set('Retry-After', String(wait));
      const message = status === 429 ? t(res, 'remember.rateLimited', { minutes: Math.ceil((wait ?? 60) / 60) }) : t(res, 'remember.invalid');
      if (wantsJson(req)) return res.status(status).json({ error: { code: error.code, message } });
      return sendPage(req, res, 'notify-result', { title: t(res, 'remember.heading'), message, isError: true, back: `/liet-si/${id}#tuong-niem` }, status);
    }
    if (wantsJson(req)) return res.status(202).json({ status: 'pending_moderation' });
    res.redirect(303, back(id, 'message=sent'));
  });

  const moderationPage = async (req: Request, res: Response) => {
    const rows = await moderationQueue(db, req.staff!.scope);
    sendPage(req, res, 'staff/remembrance-moderation', {
      title: t(res, 'remember.staff.title'),
      rows: rows.map((r) => ({ ...r, at: localDateTime(r.created_at), martyrUrl: martyrUrl(r.martyr_id, r.full_name) })),
      notice: req.query.done === '1' ? t(res, 'remember.staff.done') : undefined,
    });
  };

  router.get('/quan-ly/loi-tuong-niem', requireStaff(), moderationPage);

  router.post('/quan-ly/loi-tuong-niem/:id', requireStaff(), formBodyOnly, async (req, res) => {
    const { id } = parseParams(idParams, req.params);
    const { action } = parseParams(z.object({ action: z.enum(['approve', 'reject']), _csrf: z.string().optional() }), req.body);
    await moderate(db, req.staff!.scope, req.staff!.session.userId, id, action === 'approve' ? 'approved' : 'rejected');
    if (wantsJson(req)) return res.json({ id, status: action === 'approve' ? 'approved' : 'rejected' });
    res.redirect(303, '/quan-ly/loi-tuong-niem?done=1');
  });

  return router;
}
