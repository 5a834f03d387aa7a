/**
 * Photo requests:
 *   POST /mo/:id/yeu-cau-anh                      anyone: ask for the headstone photo (an email to be told, or none)
 *   GET  /quan-ly/nghia-trang/:id/yeu-cau-anh     the cemetery's staff: graves asked for, longest waiting first
 */
import { Router, type Response } from 'express';
import { z } from 'zod';
import { clientIp, requireStaff } from '../accounts/auth.middleware.js';
import type { Config } from '../config.js';
import type { Db } from '../db/knex.js';
import { retryAfterOf, statusOf } from '../http/domain-status.js';
import { DomainError, NotFoundError } from '../http/errors.js';
import { formBodyOnly } from '../http/form-body.js';
import { localeOf } from '../http/locale.js';
import { recordIdParam } from '../http/paging.schema.js';
import { parseParams } from '../http/params.js';
import { sendPage, wantsJson } from '../http/render.js';
import { translate } from '../i18n/messages.js';
import { mailSiteOf } from '../notify/notify.job.js';
import { graveUrl, plotLabel } from '../records/urls.js';
import { staffCemetery } from '../upkeep/upkeep.queries.js';
import { localDateTime } from '../views/local-time.js';
import { requestedGraves } from './photo-requests.queries.js';
import { requestPhoto } from './photo-requests.service.js';

const idParams = z.object({ id: recordIdParam });

export function photoRequestRoutes(db: Db, config: Config): Router {
  const router = Router();
  const site = mailSiteOf(config);
  const t = (res: Response, key: string, params?: Record<string, unknown>) => translate(localeOf(res), key, params);

  router.post('/mo/:id/yeu-cau-anh', formBodyOnly, async (req, res) => {
    const { id } = parseParams(idParams, req.params);
    const body = (req.body ?? {}) as Record<string, unknown>;
    const page = (message: string, status: number, isError: boolean, note?: string) =>
      sendPage(req, res, 'notify-result', { title: t(res, 'photoRequest.heading'), message, note, isError, back: graveUrl(id) }, status);
    if (typeof body.website === 'string' && body.website) return page(t(res, 'photoRequest.done'), 200, false);
    try {
      const done = await requestPhoto(db, site, { graveId: id, email: typeof body.email === 'string' ? body.email : '', locale: localeOf(res), ip: clientIp(req) });
      if (wantsJson(req)) return res.status(201).json({ status: 'requested', willTell: done.willTell });
      page(t(res, 'photoRequest.done'), 201, false, done.willTell ? t(res, 'photoRequest.doneEmail') : undefined);
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      const status = statusOf(error);
      if (status === 404 || wantsJson(req)) throw error;
      const wait = retryAfterOf(error);
      if (wait) res.set('Retry-After', String(wait));
      const key = status === 429 ? 'photoRequest.rateLimited' : error.code === 'grave_has_photo' ? 'photoRequest.hasPhoto' : 'notify.follow.invalidEmail';
      page(t(res, key, { minutes: Math.ceil((wait ?? 60) / 60) }), status, true);
    }
  });

  router.get('/quan-ly/nghia-trang/:id/yeu-cau-anh', requireStaff(), async (req, res) => {
    const { id } = parseParams(idParams, req.params);
    const cemetery = await staffCemetery(db, req.staff!.scope, id);
    if (!cemetery) throw new NotFoundError();
    const rows = await requestedGraves(db, id, 500);
    sendPage(req, res, 'staff/photo-requests', {
      title: t(res, 'photoRequest.staff.title', { name: cemetery.name }),
      bodyClass: 'upkeep',
      cemetery: { id, name: cemetery.name, dashboardUrl: `/quan-ly/nghia-trang/${id}` },
      rows: rows.map((r) => ({
        ...r,
        url: `/quan-ly/mo/${r.grave_id}`,
        label: plotLabel(r.section_kind, r.section_code, r.row_label, r.plot_number) ?? `#${r.grave_id}`,
        who: r.names ?? r.known_name ?? '',
        since: localDateTime(r.first_at),
      })),
    });
  });

  return router;
}
