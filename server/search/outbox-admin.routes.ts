/**
 * Admins' view of the search outbox's parked rows (changes that kept failing to reach the index):
 * what they are, why they failed, and a button that puts them back in the queue.
 */
import { Router, type Response } from 'express';
import { z } from 'zod';
import { requireStaff } from '../accounts/auth.middleware.js';
import type { Db } from '../db/knex.js';
import { recordIdParam } from '../http/paging.schema.js';
import { localDateTime } from '../views/local-time.js';
import { formBodyOnly } from '../http/form-body.js';
import { parseParams } from '../http/params.js';
import { localeOf } from '../http/locale.js';
import { sendPage } from '../http/render.js';
import { translate } from '../i18n/messages.js';
import { countParkedOutboxRows, listParkedOutboxRows, retryParkedOutboxRows } from './outbox.queries.js';

export const PARKED_OUTBOX_PATH = '/quan-ly/chi-muc-tim-kiem';
/** Rows shown; the count says how many there are in all. */
const LISTED = 100;

const retryBody = z.object({ id: recordIdParam.optional() });

export function outboxAdminRoutes(db: Db): Router {
  const router = Router();
  const t = (res: Response, key: string) => translate(localeOf(res), key);

  router.get(PARKED_OUTBOX_PATH, requireStaff('admin'), async (req, res) => {
    const [count, rows] = [await countParkedOutboxRows(db), await listParkedOutboxRows(db, LISTED)];
    sendPage(req, res, 'staff/search-outbox', {
      title: t(res, 'staff.outbox.title'),
      count,
      rows: rows.map((r) => ({ ...r, parkedAt: localDateTime(r.parkedAt) })),
      retried: req.query.retried === undefined ? null : Number(req.query.retried) || 0,
    });
  });

  router.post(`${PARKED_OUTBOX_PATH}/thu-lai`, requireStaff('admin'), formBodyOnly, async (req, res) => {
    const { id } = parseParams(retryBody, req.body ?? {});
    const retried = await retryParkedOutboxRows(db, id === undefined ? undefined : [id]);
    res.redirect(303, `${PARKED_OUTBOX_PATH}?retried=${retried}`);
  });

  return router;
}
