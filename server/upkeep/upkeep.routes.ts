/**
 * Grave and cemetery upkeep in the staff area, every record scope-checked (outside the scope is a 404):
 *   GET  /quan-ly/mo/:id                          a grave: current photo, photo history, upload, edit forms
 *   POST /quan-ly/mo/:id                          edit plot, state, inscription, position (reason required)
 *   POST /quan-ly/mo/:id/liet-si                  link or unlink a martyr
 *   POST /quan-ly/mo/:id/anh                      a photo for this grave: requireStaff → multipart → csrfCheck
 *   POST /quan-ly/mo/:id/anh/:photoId/hien-tai    make an earlier photo current again
 *   GET  /quan-ly/nghia-trang                     the cemeteries the user keeps
 *   GET  /quan-ly/nghia-trang/:id                 dashboard: what is missing, recent changes, the walk list (?khu=&hang=&thieu=)
 *   GET  /quan-ly/nghia-trang/:id/sua             the cemetery's details and sections
 *   POST /quan-ly/nghia-trang/:id/sua             save details (boundary as GeoJSON)
 *   POST /quan-ly/nghia-trang/:id/khu             add a section
 *   POST /quan-ly/nghia-trang/:id/khu/:sectionId  save or delete a section
 */
import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import { clientIp, csrfCheck, requireStaff } from '../accounts/auth.middleware.js';
import { translate } from '../i18n/messages.js';
import { statusOf } from '../http/domain-status.js';
import { AppError, NotFoundError } from '../http/errors.js';
import { localeOf } from '../http/locale.js';
import { recordIdParam } from '../http/paging.schema.js';
import { formBodyOnly } from '../http/form-body.js';
import { parseParams } from '../http/params.js';
import { sendPage, wantsJson } from '../http/render.js';
import { cemeteryUrl, graveUrl, martyrUrl, photoUrl, plotLabel } from '../records/urls.js';
import { PhotoRejected } from '../photos/photo-processing.js';
import { assignUploads, receivePhoto, setCurrentPhoto, UploadConflict, type Actor, type PhotoDeps } from '../photos/photos.service.js';
import { localizedRejection, photoUpload } from '../photos/upload.middleware.js';
import { formatTime } from '../photos/upload.view.js';
import { addSection, CEMETERY_LEVELS, deleteSection, GeometryRejected, SectionConflict, updateCemetery, updateSection } from './cemetery-edit.service.js';
import { linkMartyr, MartyrNotLinkable, PlotTaken, unlinkMartyr, updateGrave } from './grave-edit.service.js';
import { openRequestCount } from '../photo-requests/photo-requests.queries.js';
import { cemeteryEditSchema, fieldErrors, graveEditSchema, makeCurrentSchema, martyrLinkSchema, sectionEditSchema, walkQuerySchema } from './upkeep.schema.js';
import {
  cemeteriesOfScope, cemeteryCounts, cemeterySections, graveMartyrs, gravePhotos, MISSING, recentChanges, rowLabels, staffCemetery, staffGrave, walkList,
} from './upkeep.queries.js';

const WALK_PAGE = 100;
const STATES = ['identified', 'partial', 'unknown'] as const;

import { fieldSources } from '../provenance/provenance.queries.js';
import { provenanceView } from '../provenance/provenance.view.js';

const actorOf = (req: Request): Actor => ({ userId: req.staff!.session.userId, ip: clientIp(req), scope: req.staff!.scope });
const idParams = z.object({ id: recordIdParam });

export const graveStaffPath = (id: number) => `/quan-ly/mo/${id}`;
export const cemeteryStaffPath = (id: number) => `/quan-ly/nghia-trang/${id}`;

export function upkeepRoutes(deps: PhotoDeps): Router {
  const router = Router();
  const { db } = deps;
  const t = (res: Response, key: string, params?: Record<string, unknown>) => translate(localeOf(res), key, params);

  // ----- a grave -----

  type GraveExtra = { values?: Record<string, unknown>; fieldErrors?: Record<string, true>; error?: string; notice?: string; warning?: string; martyrError?: string; photoError?: string };

  const gravePage = async (req: Request, res: Response, id: number, extra: GraveExtra = {}, status = 200) => {
    const locale = localeOf(res);
    const grave = await staffGrave(db, req.staff!.scope, id);
    if (!grave) throw new NotFoundError();
    const [photos, martyrs, sections, sources] = await Promise.all([gravePhotos(db, id), graveMartyrs(db, id), cemeterySections(db, grave.cemetery_id), fieldSources(db, 'grave', id)]);
    const v = extra.values ?? {};
    const value = (field: string, current: unknown) => (field in v ? v[field] : current ?? '');
    const chosenSection = 'section' in v ? String(v.section ?? '') : String(grave.section_id ?? '');
    const chosenState = 'state' in v ? String(v.state) : grave.state;
    const current = photos.find((p) => p.is_current);
    sendPage(req, res, 'staff/grave-staff', {
      title: t(res, 'upkeep.grave.title', { label: plotLabel(grave.section_kind, grave.section_code, grave.row_label, grave.plot_number) ?? `#${grave.id}` }),
      bodyClass: 'upkeep',
      grave: {
        ...grave,
        label: plotLabel(grave.section_kind, grave.section_code, grave.row_label, grave.plot_number),
        stateLabel: t(res, `upkeep.state.${grave.state}`),
        publicUrl: graveUrl(grave.id),
        historyUrl: `/quan-ly/lich-su/grave/${grave.id}`,
        cemeteryUrl: cemeteryStaffPath(grave.cemetery_id),
        // Who lies here, to be sure of the grave before changing it.
        who: martyrs.map((m) => m.full_name).join(', ') || grave.known_name,
        outside: grave.inside_boundary === false,
      },
      // Where the position map opens: the grave, or the middle of its cemetery when it has no position yet.
      positionMap: {
        lat: grave.latitude ?? grave.cemetery_latitude,
        lng: grave.longitude ?? grave.cemetery_longitude,
        boundary: grave.cemetery_boundary ?? '',
      },
      current: current && { ...photoView(current, locale), pageUrl: photoUrl(current.page_key), fullUrl: photoUrl(current.full_key) },
      history: photos.map((p) => photoView(p, locale)),
      martyrs: martyrs.map((m) => ({ ...m, url: m.is_public ? martyrUrl(m.id, m.full_name) : null, years: [m.birth_year, m.death_year].filter(Boolean).join('–') })),
      form: {
        sections: sections.map((s) => ({ id: s.id, label: `${s.kind === 'lo' ? 'Lô' : 'Khu'} ${s.code}${s.name ? ` (${s.name})` : ''}`, selected: String(s.id) === chosenSection })),
        noSection: chosenSection === '',
        row: value('row', grave.row_label),
        number: value('number', grave.plot_number),
        states: STATES.map((s) => ({ value: s, label: t(res, `upkeep.state.${s}`), selected: s === chosenState })),
        inscription: value('inscription', grave.inscription),
        lat: value('lat', grave.latitude === null ? '' : grave.latitude.toFixed(7)),
        lng: value('lng', grave.longitude === null ? '' : grave.longitude.toFixed(7)),
        reason: v.reason ?? '',
      },
      provenance: provenanceView(locale, sources),
      fieldErrors: extra.fieldErrors ?? {},
      error: extra.error,
      notice: extra.notice ?? (req.query.luu === '1' ? t(res, 'upkeep.grave.saved') : req.query.anh === '1' ? t(res, 'upkeep.photo.added') : undefined),
      warning: extra.warning ?? (req.query.ngoai === '1' || grave.inside_boundary === false ? t(res, 'upkeep.grave.outside') : undefined),
      martyrError: extra.martyrError,
      photoError: extra.photoError,
    }, status);
  };

  router.get('/quan-ly/mo/:id', requireStaff(), async (req, res) => {
    const { id } = parseParams(idParams, req.params);
    await gravePage(req, res, id);
  });

  router.post('/quan-ly/mo/:id', requireStaff(), formBodyOnly, async (req, res) => {
    const { id } = parseParams(idParams, req.params);
    const parsed = graveEditSchema.safeParse(req.body);
    if (!parsed.success) {
      const fields = fieldErrors(parsed.error);
      if (wantsJson(req)) throw new AppError(400, 'bad_request', t(res, 'upkeep.form.invalid'), { fields: Object.keys(fields) });
      return gravePage(req, res, id, { values: req.body, fieldErrors: fields, error: t(res, 'upkeep.form.invalid') }, 400);
    }
    try {
      const { changed, grave } = await updateGrave(db, actorOf(req), id, parsed.data);
      if (wantsJson(req)) return res.json({ changed, outsideBoundary: grave.inside_boundary === false });
      res.redirect(303, `${graveStaffPath(id)}?luu=1${grave.inside_boundary === false ? '&ngoai=1' : ''}`);
    } catch (error) {
      if (!(error instanceof PlotTaken) || wantsJson(req)) throw error;
      await gravePage(req, res, id, { values: req.body, fieldErrors: { number: true }, error: t(res, 'upkeep.grave.plotTaken') }, 409);
    }
  });

  router.post('/quan-ly/mo/:id/liet-si', requireStaff(), formBodyOnly, async (req, res) => {
    const { id } = parseParams(idParams, req.params);
    const parsed = martyrLinkSchema.safeParse(req.body);
    if (!parsed.success) return gravePage(req, res, id, { martyrError: t(res, 'upkeep.martyr.invalid') }, 400);
    const { martyr, action, reason } = parsed.data;
    try {
      if (action === 'unlink') await unlinkMartyr(db, actorOf(req), id, martyr, reason);
      else await linkMartyr(db, actorOf(req), id, martyr, reason);
    } catch (error) {
      if (error instanceof MartyrNotLinkable) return gravePage(req, res, id, { martyrError: t(res, 'upkeep.martyr.notFound') }, 404);
      throw error;
    }
    res.redirect(303, `${graveStaffPath(id)}?luu=1`);
  });

  router.post('/quan-ly/mo/:id/anh', requireStaff(), photoUpload, csrfCheck, async (req, res) => {
    const { id } = parseParams(idParams, req.params);
    const locale = localeOf(res);
    const actor = actorOf(req);
    if (!(await staffGrave(db, actor.scope, id))) throw new NotFoundError();
    const name = req.file?.originalname ?? null;
    try {
      if (!req.file) throw new PhotoRejected('empty', 'no photo was sent');
      const { uploadId, duplicate } = await receivePhoto(deps, actor, { data: req.file.buffer, name });
      const body = req.body as Record<string, unknown>;
      const [done] = await assignUploads(deps, actor, [{
        uploadId, graveId: id, method: 'grave_page', makeCurrent: body.history_only !== '1',
        reason: typeof body.reason === 'string' && body.reason.trim() ? body.reason.trim().slice(0, 500).normalize('NFC') : null,
      }]);
      if (wantsJson(req)) return res.status(duplicate ? 200 : 201).json({ duplicate, photoId: done!.photoId, graveId: id });
      res.redirect(303, `${graveStaffPath(id)}?anh=1`);
    } catch (error) {
      let shown: AppError;
      if (error instanceof PhotoRejected) shown = localizedRejection(locale, error, name);
      else if (error instanceof UploadConflict) shown = new AppError(409, error.code, t(res, 'upkeep.photo.elsewhere'));
      else throw error;
      if (wantsJson(req)) throw shown;
      await gravePage(req, res, id, { photoError: shown.message }, shown.status);
    }
  });

  router.post('/quan-ly/mo/:id/anh/:photoId/hien-tai', requireStaff(), formBodyOnly, async (req, res) => {
    const { id, photoId } = parseParams(z.object({ id: recordIdParam, photoId: recordIdParam }), req.params);
    const { reason } = parseParams(makeCurrentSchema, req.body);
    await setCurrentPhoto(deps, actorOf(req), id, photoId, reason);
    if (wantsJson(req)) return res.json({ graveId: id, currentPhotoId: photoId });
    res.redirect(303, `${graveStaffPath(id)}?anh=1`);
  });

  // ----- cemeteries -----

  router.get('/quan-ly/nghia-trang', requireStaff(), async (req, res) => {
    const { total, rows } = await cemeteriesOfScope(db, req.staff!.scope, 300);
    sendPage(req, res, 'staff/cemetery-list', {
      title: t(res, 'upkeep.cemeteries.title'),
      bodyClass: 'upkeep',
      total,
      more: total > rows.length,
      cemeteries: rows.map((c) => ({ ...c, url: cemeteryStaffPath(c.id), level: t(res, `page.level.${c.level}`) })),
    });
  });

  router.get('/quan-ly/nghia-trang/:id', requireStaff(), async (req, res) => {
    const { id } = parseParams(idParams, req.params);
    const q = parseParams(walkQuerySchema, req.query);
    const cemetery = await staffCemetery(db, req.staff!.scope, id);
    if (!cemetery) throw new NotFoundError();
    const locale = localeOf(res);
    const [counts, sections, rows, walk, changes, photoRequests] = await Promise.all([
      cemeteryCounts(db, id),
      cemeterySections(db, id),
      rowLabels(db, id, q.khu),
      walkList(db, id, { section: q.khu, row: q.hang, missing: q.thieu, page: q.page, perPage: WALK_PAGE }),
      recentChanges(db, id, 15),
      openRequestCount(db, id),
    ]);
    const base = cemeteryStaffPath(id);
    /** This page with some filters changed; a changed filter starts again at page 1. */
    const link = (over: Partial<Record<'khu' | 'hang' | 'thieu' | 'page', string | number | null>>) => {
      const merged: Record<string, string | number | null> = { khu: q.khu, hang: q.hang, thieu: q.thieu, page: q.page, ...over };
      const params = new URLSearchParams();
      for (const [k, v] of Object.entries(merged)) if (v !== null && v !== '' && !(k === 'page' && Number(v) <= 1)) params.set(k, String(v));
      return params.size ? `${base}?${params}` : base;
    };
    const pages = Math.max(1, Math.ceil(walk.total / WALK_PAGE));
    sendPage(req, res, 'staff/cemetery-dashboard', {
      title: cemetery.name,
      bodyClass: 'upkeep',
      cemetery: { ...cemetery, publicUrl: cemeteryUrl(cemetery.id, cemetery.name), editUrl: `${base}/sua`, historyUrl: `/quan-ly/lich-su/cemetery/${id}` },
      counts,
      photoRequests: { ...photoRequests, url: `${base}/yeu-cau-anh` },
      missing: MISSING.map((m) => ({ value: m, label: t(res, `upkeep.missing.${m}`), selected: m === q.thieu })),
      countLinks: {
        anh: link({ thieu: 'anh', khu: null, hang: null, page: null }),
        viTri: link({ thieu: 'vi-tri', khu: null, hang: null, page: null }),
        soMo: link({ thieu: 'so-mo', khu: null, hang: null, page: null }),
        motPhan: link({ thieu: 'mot-phan', khu: null, hang: null, page: null }),
        ngoai: link({ thieu: 'ngoai-ranh-gioi', khu: null, hang: null, page: null }),
      },
      sections: [
        ...sections.map((s) => ({ value: s.code, label: `${s.kind === 'lo' ? 'Lô' : 'Khu'} ${s.code}`, selected: s.code.toLowerCase() === q.khu?.toLowerCase() })),
        { value: '-', label: t(res, 'upkeep.walk.noSection'), selected: q.khu === '-' },
      ],
      rows: rows.map((r) => ({ value: r, selected: r.toLowerCase() === q.hang?.toLowerCase() })),
      filter: q,
      walk: walk.rows.map((g) => ({
        id: g.id,
        url: graveStaffPath(g.id),
        label: plotLabel(g.section_kind, g.section_code, g.row_label, g.plot_number) ?? t(res, 'upkeep.grave.noPlot', { id: g.id }),
        who: g.names ?? g.known_name ?? t(res, `upkeep.state.${g.state}`),
        state: g.state,
        thumbUrl: photoUrl(g.thumb_key),
        hasPosition: g.has_position,
      })),
      walkTotal: walk.total,
      pager: pages > 1 ? {
        page: q.page, pages,
        first: q.page > 1 ? link({ page: null }) : null,
        prev: q.page > 1 ? link({ page: q.page - 1 > 1 ? q.page - 1 : null }) : null,
        next: q.page < pages ? link({ page: q.page + 1 }) : null,
        last: q.page < pages ? link({ page: pages }) : null,
      } : null,
      changes: changes.map((c) => ({ ...c, atText: formatTime(c.at, locale), actionLabel: actionLabel(locale, c.action, c.entity_id), url: c.entity_type === 'grave' && c.entity_id !== null ? graveStaffPath(c.entity_id) : `/quan-ly/lich-su/${c.entity_type}/${c.entity_id}` })),
    });
  });

  type CemeteryExtra = { values?: Record<string, unknown>; error?: string; notice?: string; sectionError?: { id: number | 'new'; message: string } };

  const cemeteryEditPage = async (req: Request, res: Response, id: number, extra: CemeteryExtra = {}, status = 200) => {
    const cemetery = await staffCemetery(db, req.staff!.scope, id);
    if (!cemetery) throw new NotFoundError();
    const sections = await cemeterySections(db, id);
    const v = extra.values ?? {};
    const value = (field: string, current: unknown) => (field in v ? v[field] : current ?? '');
    const sectionValues = (sectionId: number | 'new') => (extra.sectionError?.id === sectionId ? v : {});
    sendPage(req, res, 'staff/cemetery-edit', {
      title: t(res, 'upkeep.cemetery.editTitle', { name: cemetery.name }),
      bodyClass: 'upkeep',
      cemetery: { ...cemetery, dashboardUrl: cemeteryStaffPath(id) },
      form: {
        name: value('name', cemetery.name),
        levels: CEMETERY_LEVELS.map((l) => ({ value: l, label: t(res, `page.level.${l}`), selected: l === (v.level ?? cemetery.level) })),
        address: value('address', cemetery.address),
        description: value('description', cemetery.description),
        boundary: value('boundary', cemetery.boundary),
        boardPhone: value('boardPhone', cemetery.board_phone),
        openingHours: value('openingHours', cemetery.opening_hours),
        gateLat: value('gateLat', cemetery.gate_lat === null ? null : Number(cemetery.gate_lat).toFixed(7)),
        gateLng: value('gateLng', cemetery.gate_lng === null ? null : Number(cemetery.gate_lng).toFixed(7)),
      },
      sections: sections.map((s) => {
        const sv = sectionValues(s.id);
        return {
          ...s,
          code: sv.code ?? s.code, name: sv.name ?? s.name ?? '', boundary: sv.boundary ?? s.boundary ?? '',
          isLo: (sv.kind ?? s.kind) === 'lo',
          error: extra.sectionError?.id === s.id ? extra.sectionError.message : null,
        };
      }),
      newSection: { ...sectionValues('new'), error: extra.sectionError?.id === 'new' ? extra.sectionError.message : null },
      error: extra.error,
      notice: extra.notice ?? (req.query.luu === '1' ? t(res, 'upkeep.cemetery.saved') : undefined),
    }, status);
  };

  router.get('/quan-ly/nghia-trang/:id/sua', requireStaff(), async (req, res) => {
    const { id } = parseParams(idParams, req.params);
    await cemeteryEditPage(req, res, id);
  });

  router.post('/quan-ly/nghia-trang/:id/sua', requireStaff(), formBodyOnly, async (req, res) => {
    const { id } = parseParams(idParams, req.params);
    const parsed = cemeteryEditSchema.safeParse(req.body);
    if (!parsed.success) return cemeteryEditPage(req, res, id, { values: req.body, error: t(res, 'upkeep.form.invalid') }, 400);
    try {
      await updateCemetery(db, actorOf(req), id, parsed.data);
    } catch (error) {
      if (error instanceof GeometryRejected) return cemeteryEditPage(req, res, id, { values: req.body, error: t(res, `upkeep.geometry.${error.problem}`) }, 400);
      throw error;
    }
    res.redirect(303, `${cemeteryStaffPath(id)}/sua?luu=1`);
  });

  const sectionPost = (kind: 'add' | 'update') => async (req: Request, res: Response) => {
    const { id, sectionId } = parseParams(z.object({ id: recordIdParam, sectionId: recordIdParam.optional() }), req.params);
    const target = kind === 'add' ? 'new' as const : sectionId!;
    const parsed = sectionEditSchema.safeParse(req.body);
    if (!parsed.success) return cemeteryEditPage(req, res, id, { values: req.body, sectionError: { id: target, message: t(res, 'upkeep.form.invalid') } }, 400);
    const { action, reason, ...edit } = parsed.data;
    try {
      if (kind === 'add') await addSection(db, actorOf(req), id, { ...edit, reason });
      else if (action === 'delete') await deleteSection(db, actorOf(req), id, sectionId!, reason);
      else await updateSection(db, actorOf(req), id, sectionId!, { ...edit, reason });
    } catch (error) {
      const message = error instanceof GeometryRejected ? t(res, `upkeep.geometry.${error.problem}`)
        : error instanceof SectionConflict ? t(res, `upkeep.section.${error.problem}`)
        : null;
      if (message === null) throw error;
      return cemeteryEditPage(req, res, id, { values: req.body, sectionError: { id: target, message } }, statusOf(error as GeometryRejected | SectionConflict));
    }
    res.redirect(303, `${cemeteryStaffPath(id)}/sua?luu=1`);
  };

  router.post('/quan-ly/nghia-trang/:id/khu', requireStaff(), formBodyOnly, sectionPost('add'));
  router.post('/quan-ly/nghia-trang/:id/khu/:sectionId', requireStaff(), formBodyOnly, sectionPost('update'));

  return router;
}

/** An audit action as staff read it ("Ảnh hiện tại của mộ #21"); unknown actions keep their code. */
function actionLabel(locale: 'vi' | 'en', action: string, id: number | null): string {
  const key = `upkeep.action.${action}`;
  const text = translate(locale, key, { id: id ?? '' });
  return text === key ? `${action} #${id ?? ''}` : text;
}

function photoView(p: Awaited<ReturnType<typeof gravePhotos>>[number], locale: 'vi' | 'en') {
  return {
    id: p.id,
    isCurrent: p.is_current,
    thumbUrl: photoUrl(p.thumb_key),
    pageUrl: photoUrl(p.page_key),
    originalUrl: `/quan-ly/anh/${p.id}/goc`,
    takenAt: formatTime(p.taken_at, locale),
    addedAt: formatTime(p.created_at, locale),
    by: p.uploaded_by_name,
  };
}
