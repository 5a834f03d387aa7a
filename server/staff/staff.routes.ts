/** The staff area (/quan-ly): home, user administration, the audit log and record histories. */
import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import type { Db } from '../db/knex.js';
import { clientIp, requireStaff } from '../accounts/auth.middleware.js';
import { canReview, hasRole, ROLES, type RoleGrant } from '../accounts/scope.js';
import { createUser, findUser, issueResetLink, listUsers, setDisabled, setRoles } from '../accounts/users.service.js';
import { translate } from '../i18n/messages.js';
import { statusOf } from '../http/domain-status.js';
import { AppError, BadRequestError, DomainError, InvalidInput, NotFoundError } from '../http/errors.js';
import { formBodyOnly } from '../http/form-body.js';
import { localeOf } from '../http/locale.js';
import { calendarDateParam } from '../http/date.schema.js';
import { recordIdParam } from '../http/paging.schema.js';
import { parseParams } from '../http/params.js';
import { sendPage } from '../http/render.js';
import type { ProvinceCatalogue } from '../places/province-catalogue.js';
import { listAudit, recordHistory, recordInScope, staffCounts } from './staff.queries.js';
import { countParkedOutboxRows } from '../search/outbox.queries.js';
import { localDateTime } from '../views/local-time.js';
import { fieldSources } from '../provenance/provenance.queries.js';
import { provenanceView } from '../provenance/provenance.view.js';
import { followUpCounts } from '../photo-requests/follow-up.js';

const ENTITY_TYPES = ['martyr', 'grave', 'cemetery', 'photo', 'submission', 'user', 'session'] as const;

const asArray = (v: unknown): string[] => (Array.isArray(v) ? v.map(String) : v === undefined ? [] : [String(v)]);

/** The role rows of the user form: role[], province[], cemetery[] side by side; empty rows are skipped. */
function grantsFromForm(body: Record<string, unknown>): RoleGrant[] {
  const roles = asArray(body.role);
  const provinces = asArray(body.province);
  const cemeteries = asArray(body.cemetery);
  const communes = asArray(body.commune);
  return roles
    .map((role, i) => ({ role, provinceCode: provinces[i] || null, cemeteryId: cemeteries[i] ? Number(cemeteries[i]) : null, communeCode: communes[i]?.trim() || null }))
    .filter((g) => g.role)
    .map((g) => {
      if (!(ROLES as readonly string[]).includes(g.role)) throw new BadRequestError(`unknown role ${g.role}`);
      if (g.cemeteryId !== null && !Number.isSafeInteger(g.cemeteryId)) throw new BadRequestError('a cemetery is given by its number');
      return g as RoleGrant;
    });
}

export function staffRoutes(db: Db, provinces: ProvinceCatalogue): Router {
  const router = Router();
  const t = (res: Response, key: string, params?: Record<string, unknown>) => translate(localeOf(res), key, params);
  const actor = (req: Request) => ({ userId: req.staff!.session.userId, ip: clientIp(req) });
  const roleOptions = (res: Response) => ROLES.map((role) => ({ value: role, label: t(res, `staff.role.${role}`) }));

  router.get('/quan-ly', requireStaff(), async (req, res) => {
    const scope = req.staff!.scope;
    sendPage(req, res, 'staff/home', {
      title: t(res, 'staff.home.title'),
      counts: await staffCounts(db, scope),
      national: scope.national,
      provinces: scope.provinceCodes.map((code) => provinces.currentName(code) ?? code),
      cemeteryIds: scope.cemeteryIds,
      roles: scope.roles.map((r) => t(res, `staff.role.${r}`)),
      isAdmin: hasRole(scope, 'admin'),
      parkedOutbox: hasRole(scope, 'admin') ? await countParkedOutboxRows(db) : 0,
      followUp: await followUpCounts(db, scope),
      seesAudit: scope.national,
      reviews: canReview(scope),
      keepsGraves: scope.national || scope.provinceCodes.length > 0 || scope.cemeteryIds.length > 0,
      // With one cemetery, the count of graves without a photo leads straight to that list.
      withoutPhotoUrl: scope.cemeteryIds.length === 1 && !scope.national && !scope.provinceCodes.length ? `/quan-ly/nghia-trang/${scope.cemeteryIds[0]}?thieu=anh` : null,
    });
  });

  router.get('/quan-ly/nguoi-dung', requireStaff('admin'), async (req, res) => {
    const users = await listUsers(db);
    sendPage(req, res, 'staff/users', {
      title: t(res, 'staff.users.title'),
      users: users.map((u) => ({ ...u, roleLabels: u.roles.map((g) => `${t(res, `staff.role.${g.role}`)}${g.provinceCode ? ` · ${provinces.currentName(g.provinceCode)}` : ''}${g.cemeteryId ? ` · #${g.cemeteryId}` : ''}${g.communeCode ? ` · xã ${g.communeCode}` : ''}`) })),
    });
  });

  const newUserPage = (req: Request, res: Response, extra: Record<string, unknown> = {}, status = 200) =>
    sendPage(req, res, 'staff/user-new', { title: t(res, 'staff.users.new'), roleOptions: roleOptions(res), provinces: provinces.current, rows: [0, 1, 2], ...extra }, status);

  router.get('/quan-ly/nguoi-dung/moi', requireStaff('admin'), (req, res) => newUserPage(req, res));

  router.post('/quan-ly/nguoi-dung/moi', requireStaff('admin'), formBodyOnly, async (req, res) => {
    const body = z
      .object({ email: z.string().trim().email().max(200), username: z.string().trim().max(40).optional(), displayName: z.string().trim().min(1).max(200) })
      .safeParse(req.body);
    if (!body.success) return newUserPage(req, res, { error: t(res, 'staff.users.invalid'), values: req.body }, 400);
    try {
      const { user, resetToken } = await createUser(db, actor(req), { ...body.data, username: body.data.username || null, grants: grantsFromForm(req.body) });
      sendPage(req, res, 'staff/reset-link', { title: t(res, 'staff.users.created'), user, link: `${req.protocol}://${req.get('host')}/quan-ly/dat-lai-mat-khau/${resetToken}` }, 201);
    } catch (error) {
      if (error instanceof AppError && error.status < 500) return newUserPage(req, res, { error: error.message, values: req.body }, error.status);
      if (error instanceof DomainError) return newUserPage(req, res, { error: error.message, values: req.body }, statusOf(error));
      throw error;
    }
  });

  const userPage = async (req: Request, res: Response, id: number, extra: Record<string, unknown> = {}, status = 200) => {
    const user = await findUser(db, id);
    if (!user) throw new NotFoundError();
    const rows = [...user.roles, { role: '', provinceCode: null, cemeteryId: null, communeCode: null }, { role: '', provinceCode: null, cemeteryId: null, communeCode: null }];
    sendPage(req, res, 'staff/user', {
      title: user.displayName,
      user,
      self: user.id === req.staff!.session.userId,
      roleRows: rows.map((g) => ({
        roles: roleOptions(res).map((o) => ({ ...o, selected: o.value === g.role })),
        provinces: provinces.current.map((p) => ({ code: p.code, name: p.name, selected: p.code === g.provinceCode })),
        cemeteryId: g.cemeteryId ?? '',
        communeCode: g.communeCode ?? '',
      })),
      history: await recordHistory(db, 'user', id),
      ...extra,
    }, status);
  };

  router.get('/quan-ly/nguoi-dung/:id', requireStaff('admin'), async (req, res) => {
    const { id } = parseParams(z.object({ id: recordIdParam }), req.params);
    await userPage(req, res, id);
  });

  router.post('/quan-ly/nguoi-dung/:id/vai-tro', requireStaff('admin'), formBodyOnly, async (req, res) => {
    const { id } = parseParams(z.object({ id: recordIdParam }), req.params);
    try {
      await setRoles(db, actor(req), id, grantsFromForm(req.body), typeof req.body.reason === 'string' ? req.body.reason.slice(0, 500) : null);
    } catch (error) {
      if (error instanceof BadRequestError || error instanceof InvalidInput) return userPage(req, res, id, { error: error.message }, 400);
      throw error;
    }
    res.redirect(303, `/quan-ly/nguoi-dung/${id}`);
  });

  router.post('/quan-ly/nguoi-dung/:id/khoa', requireStaff('admin'), formBodyOnly, async (req, res) => {
    const { id } = parseParams(z.object({ id: recordIdParam }), req.params);
    const disable = req.body.action !== 'enable';
    try {
      await setDisabled(db, actor(req), id, disable, typeof req.body.reason === 'string' ? req.body.reason.slice(0, 500) : null);
    } catch (error) {
      if (error instanceof BadRequestError || error instanceof InvalidInput) return userPage(req, res, id, { error: error.message }, 400);
      throw error;
    }
    res.redirect(303, `/quan-ly/nguoi-dung/${id}`);
  });

  router.post('/quan-ly/nguoi-dung/:id/dat-lai', requireStaff('admin'), formBodyOnly, async (req, res) => {
    const { id } = parseParams(z.object({ id: recordIdParam }), req.params);
    const token = await issueResetLink(db, actor(req), id);
    const user = await findUser(db, id);
    sendPage(req, res, 'staff/reset-link', { title: t(res, 'staff.users.resetLink'), user, link: `${req.protocol}://${req.get('host')}/quan-ly/dat-lai-mat-khau/${token}` });
  });

  router.get('/quan-ly/nhat-ky', requireStaff('admin', 'ministry_officer'), async (req, res) => {
    const filter = parseParams(
      z.object({
        actor: z.string().trim().max(200).optional(),
        entityType: z.enum(ENTITY_TYPES).or(z.literal('')).optional(),
        entityId: z.coerce.number().int().positive().optional().or(z.literal('').transform(() => undefined)),
        from: calendarDateParam.optional().or(z.literal('').transform(() => undefined)),
        to: calendarDateParam.optional().or(z.literal('').transform(() => undefined)),
        page: z.coerce.number().int().min(1).max(100_000).default(1),
        lang: z.enum(['vi', 'en']).optional(),
      }).strict(),
      req.query,
    );
    const perPage = 50;
    const { total, rows } = await listAudit(db, { ...filter, entityType: filter.entityType || undefined, perPage });
    sendPage(req, res, 'staff/audit', {
      title: t(res, 'staff.audit.title'),
      filter,
      entityTypes: ENTITY_TYPES.map((e) => ({ value: e, selected: e === filter.entityType })),
      rows: rows.map(auditView),
      total,
      page: filter.page,
      previous: filter.page > 1 ? filter.page - 1 : null,
      next: filter.page * perPage < total ? filter.page + 1 : null,
      query: new URLSearchParams(Object.entries(filter).filter(([k, v]) => k !== 'page' && v !== undefined && v !== '').map(([k, v]) => [k, String(v)])).toString(),
    });
  });

  router.get('/quan-ly/lich-su/:type/:id', requireStaff(), async (req, res) => {
    const { type, id } = parseParams(z.object({ type: z.enum(['martyr', 'grave', 'cemetery', 'photo', 'submission']), id: recordIdParam }), req.params);
    // Out of scope and unknown look alike: a 404.
    if (!(await recordInScope(db, req.staff!.scope, type, id))) throw new NotFoundError();
    const provenance = type === 'martyr' || type === 'grave' ? provenanceView(localeOf(res), await fieldSources(db, type, id)) : null;
    sendPage(req, res, 'staff/history', { title: t(res, 'staff.history.title'), type, id, rows: (await recordHistory(db, type, id)).map(auditView), provenance });
  });

  return router;
}

/** An audit row as a timeline entry: each changed field with its old and new value. */
function auditView(row: Awaited<ReturnType<typeof recordHistory>>[number]) {
  const before = row.before ?? {};
  const after = row.after ?? {};
  const fields = [...new Set([...Object.keys(before), ...Object.keys(after)])].map((field) => ({
    field,
    before: before[field] === undefined ? '' : JSON.stringify(before[field]),
    after: after[field] === undefined ? '' : JSON.stringify(after[field]),
  }));
  return { ...row, at: localDateTime(row.at), datetime: row.at.toISOString(), fields, actor: row.actor_name ?? row.actor_email ?? '—' };
}
