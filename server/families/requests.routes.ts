/**
 * The family's side: the search request form (/tim-mo), its instant answer on the tracking page
 * (/theo-doi/:code, shared with submissions: a code that is not a request's goes on to theirs),
 * the unidentified graves (/mo-chua-xac-dinh) and the martyrs with no known grave
 * (/liet-si-chua-tim-thay-mo). Every refusal is the form again, in the page's language, with what
 * was typed kept.
 */
import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import type { Config } from '../config.js';
import type { Db } from '../db/knex.js';
import { clientIp } from '../accounts/auth.middleware.js';
import { translate } from '../i18n/messages.js';
import { InvalidInput, NotFoundError } from '../http/errors.js';
import { formBodyOnly } from '../http/form-body.js';
import { localeOf } from '../http/locale.js';
import { mailSiteOf } from '../notify/notify.job.js';
import { sendPage } from '../http/render.js';
import type { ProvinceCatalogue } from '../places/province-catalogue.js';
import { parsePartialDate } from '../records/partial-date.js';
import { graveUrl, martyrUrl } from '../records/urls.js';
import { localDateTime } from '../views/local-time.js';
import { dateText, reasonTexts } from './reasons.view.js';
import { createFamilyRequest, requestTrackingView, TooManyRequests } from './requests.service.js';
import { gravelessMartyrs, unidentifiedGraves } from './unidentified.service.js';

/** Longest text each field takes (the table's checks say the same). */
export const REQUEST_FIELDS = {
  fullName: 200, hometown: 300, province: 2, unit: 300, rank: 100, birthYear: 4, deathDate: 10, placeOfDeath: 300,
  requesterName: 200, requesterPhone: 30, requesterEmail: 200, requesterRelation: 200,
} as const;
type Field = keyof typeof REQUEST_FIELDS;
const HONEYPOT = 'website';
const PHONE = /^[+\d\s().-]{8,20}$/;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

class FieldProblem extends Error {
  constructor(readonly field: Field | 'form', readonly key: string, readonly params: Record<string, unknown> = {}) {
    super(key);
  }
}

type Checked = {
  fullName: string; hometown: string | null; provinceCode: string | null; unit: string | null; rank: string | null; birthYear: number | null;
  death: { year: number | null; month: number | null; day: number | null }; placeOfDeath: string | null;
  requesterName: string; requesterPhone: string | null; requesterEmail: string | null; requesterRelation: string | null;
};

/** The form's values checked into a typed request, or the first problem with its field. */
function checkForm(values: Record<Field, string>): Checked {
  const opt = (f: Field) => values[f].trim() || null;
  for (const f of Object.keys(REQUEST_FIELDS) as Field[]) if ([...values[f]].length > REQUEST_FIELDS[f]) throw new FieldProblem(f, 'families.error.tooLong', { max: REQUEST_FIELDS[f] });
  if ([...values.fullName.trim()].length < 2) throw new FieldProblem('fullName', 'families.error.required');
  if (!values.requesterName.trim()) throw new FieldProblem('requesterName', 'families.error.required');
  const phone = opt('requesterPhone');
  const email = opt('requesterEmail');
  if (!phone && !email) throw new FieldProblem('requesterPhone', 'families.error.contact');
  if (phone && !PHONE.test(phone)) throw new FieldProblem('requesterPhone', 'families.error.phone');
  if (email && !EMAIL.test(email)) throw new FieldProblem('requesterEmail', 'families.error.email');
  const province = opt('province');
  if (province && !/^\d{2}$/.test(province)) throw new FieldProblem('province', 'families.error.province');
  let birthYear: number | null = null;
  if (opt('birthYear')) {
    birthYear = Number(values.birthYear.trim());
    if (!/^\d{4}$/.test(values.birthYear.trim()) || birthYear < 1850 || birthYear > 2010) throw new FieldProblem('birthYear', 'families.error.birthYear');
  }
  let death: Checked['death'] = { year: null, month: null, day: null };
  if (opt('deathDate')) {
    const parsed = parsePartialDate(values.deathDate);
    if (!parsed) throw new FieldProblem('deathDate', 'families.error.date');
    death = parsed;
    if (birthYear !== null && parsed.year < birthYear) throw new FieldProblem('deathDate', 'families.error.dateBeforeBirth');
  }
  return {
    fullName: values.fullName.trim().replace(/\s+/g, ' '), hometown: opt('hometown'), provinceCode: province, unit: opt('unit'), rank: opt('rank'), birthYear, death,
    placeOfDeath: opt('placeOfDeath'), requesterName: values.requesterName.trim(), requesterPhone: phone, requesterEmail: email, requesterRelation: opt('requesterRelation'),
  };
}

export function familyPublicRoutes(db: Db, config: Config, provinces: ProvinceCatalogue): Router {
  const router = Router();
  const t = (res: Response, key: string, params?: Record<string, unknown>) => translate(localeOf(res), key, params);

  const showForm = (req: Request, res: Response, values: Partial<Record<Field, string>>, problem?: FieldProblem, status = 200) => {
    const fields = (['fullName', 'hometown', 'unit', 'rank', 'birthYear', 'deathDate', 'placeOfDeath'] as const).map((field) => ({
      field, label: t(res, `families.field.${field}`), help: t(res, `families.help.${field}`), value: values[field] ?? '', max: REQUEST_FIELDS[field],
      invalid: problem?.field === field, required: field === 'fullName',
    }));
    const contact = (['requesterName', 'requesterPhone', 'requesterEmail', 'requesterRelation'] as const).map((field) => ({
      field, label: t(res, `families.field.${field}`), value: values[field] ?? '', max: REQUEST_FIELDS[field], invalid: problem?.field === field,
      required: field === 'requesterName', type: field === 'requesterPhone' ? 'tel' : field === 'requesterEmail' ? 'email' : 'text',
      autocomplete: field === 'requesterName' ? 'name' : field === 'requesterPhone' ? 'tel' : field === 'requesterEmail' ? 'email' : 'off',
    }));
    res.set('Cache-Control', 'no-store');
    sendPage(req, res, 'family-request', {
      title: t(res, 'families.form.title'),
      fields, contact,
      provinces: provinces.current.map((p) => ({ code: p.code, name: p.name, selected: p.code === values.province })),
      provinceInvalid: problem?.field === 'province',
      error: problem ? t(res, problem.key, { field: problem.field === 'form' ? '' : t(res, `families.field.${problem.field}`), ...problem.params }) : undefined,
    }, status);
  };

  router.get('/tim-mo', (req, res) => showForm(req, res, {}));

  router.post('/tim-mo', formBodyOnly, async (req, res) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    const values = Object.fromEntries((Object.keys(REQUEST_FIELDS) as Field[]).map((f) => [f, typeof body[f] === 'string' ? (body[f] as string).normalize('NFC') : ''])) as Record<Field, string>;
    if (body[HONEYPOT] !== undefined && body[HONEYPOT] !== '') return showForm(req, res, values, new FieldProblem('form', 'families.error.honeypot'), 400);
    let checked: Checked;
    try {
      checked = checkForm(values);
    } catch (error) {
      if (error instanceof FieldProblem) return showForm(req, res, values, error, 400);
      throw error;
    }
    try {
      const created = await createFamilyRequest(db, { ...checked, ip: clientIp(req), follow: { site: mailSiteOf(config), locale: localeOf(res) } });
      res.redirect(303, `/theo-doi/${created.trackingCode}?moi=1`);
    } catch (error) {
      if (error instanceof TooManyRequests) {
        res.set('Retry-After', String(error.retryAfterSeconds));
        return showForm(req, res, values, new FieldProblem('form', 'families.error.rateLimited', { minutes: Math.ceil(error.retryAfterSeconds / 60) }), 429);
      }
      if (error instanceof InvalidInput && (error.details as { field?: string } | undefined)?.field === 'province') {
        return showForm(req, res, values, new FieldProblem('province', 'families.error.province'), 400);
      }
      throw error;
    }
  });

  // Requests' tracking codes share /theo-doi with submissions; one that is not a request's goes on.
  router.get('/theo-doi/:code', async (req, res, next) => {
    const view = await requestTrackingView(db, String(req.params.code));
    if (!view) return next();
    if (view.request.tracking_code !== req.params.code) return res.redirect(301, `/theo-doi/${view.request.tracking_code}`);
    const locale = localeOf(res);
    const r = view.request;
    res.set('Cache-Control', 'no-store');
    sendPage(req, res, 'family-tracking', {
      title: t(res, 'families.track.title'),
      justSent: req.query.moi === '1',
      r,
      statusLabel: t(res, `families.status.${r.status}`),
      deathDate: dateText(r.death_year, r.death_month, r.death_day),
      record: r.martyr_id ? { url: martyrUrl(Number(r.martyr_id), r.martyr_name!), name: r.martyr_name, graveUrl: r.martyr_grave_id ? graveUrl(Number(r.martyr_grave_id)) : null } : null,
      candidates: view.candidates.map((c) => ({
        ...c, url: graveUrl(Number(c.grave_id)), statusLabel: t(res, `families.candidate.${c.status}`), reasons: reasonTexts(locale, c.reasons),
        deathDate: dateText(c.known_death_year, c.known_death_month, c.known_death_day), later: c.found_by === 'grave_change',
        dna: c.status === 'dna_referred', confirmed: c.status === 'confirmed',
      })),
      dnaContacts: view.candidates.some((c) => c.status === 'dna_referred') ? config.dnaReferralContacts : null,
      events: view.events.map((e) => ({ ...e, label: t(res, `families.event.${e.kind}`, { n: e.message ?? '' }), message: e.kind === 'candidates_found' ? null : e.message, at: localDateTime(e.at), datetime: e.at.toISOString() })),
    });
  });

  const listQuery = z.object({
    province: z.string().regex(/^\d{2}$/).optional().or(z.literal('').transform(() => undefined)),
    cemetery: z.coerce.number().int().positive().max(Number.MAX_SAFE_INTEGER).optional().or(z.literal('').transform(() => undefined)),
    unit: z.string().max(100).optional().transform((v) => v?.normalize('NFC').trim() || undefined),
    year: z.coerce.number().int().min(1900).max(2000).optional().or(z.literal('').transform(() => undefined)),
    clue: z.enum(['unit', 'year', 'place', 'fragment']).optional().or(z.literal('').transform(() => undefined)),
    page: z.coerce.number().int().min(1).max(200).default(1),
    lang: z.enum(['vi', 'en']).optional(),
  });

  router.get('/mo-chua-xac-dinh', async (req, res) => {
    const parsed = listQuery.safeParse(req.query);
    if (!parsed.success) return sendPage(req, res, 'unidentified', { title: t(res, 'families.unidentified.title'), badFilter: true, provinces: provinces.current, graves: [] }, 400);
    const f = parsed.data;
    const list = await unidentifiedGraves(db, f);
    const query = new URLSearchParams(Object.entries(f).filter(([k, v]) => k !== 'page' && v !== undefined).map(([k, v]) => [k, String(v)])).toString();
    sendPage(req, res, 'unidentified', {
      title: t(res, 'families.unidentified.title'),
      filter: f,
      provinces: provinces.current.map((p) => ({ code: p.code, name: p.name, selected: p.code === f.province })),
      cemeteries: list.cemeteries.map((c) => ({ ...c, selected: Number(c.id) === f.cemetery })),
      clues: ['unit', 'year', 'place', 'fragment'].map((c) => ({ value: c, label: t(res, `families.clue.${c}`), selected: c === f.clue })),
      graves: list.items.map((g) => ({ ...g, url: graveUrl(Number(g.id)), deathDate: dateText(g.known_death_year, g.known_death_month, g.known_death_day), stateLabel: t(res, `page.state.${g.state}`) })),
      byProvince: list.byProvince,
      byProvinceOnly: list.byProvinceOnly,
      total: list.total,
      previous: f.page > 1 ? f.page - 1 : null,
      next: f.page * list.perPage < Math.min(list.total, 200 * list.perPage) ? f.page + 1 : null,
      query,
    });
  });

  const gravelessQuery = z.object({
    province: z.string().regex(/^\d{2}$/).optional().or(z.literal('').transform(() => undefined)),
    page: z.coerce.number().int().min(1).max(200).default(1),
    lang: z.enum(['vi', 'en']).optional(),
  });

  router.get('/liet-si-chua-tim-thay-mo', async (req, res) => {
    const parsed = gravelessQuery.safeParse(req.query);
    if (!parsed.success) throw new NotFoundError();
    const f = parsed.data;
    const list = await gravelessMartyrs(db, f);
    sendPage(req, res, 'graveless', {
      title: t(res, 'families.graveless.title'),
      filter: f,
      provinces: provinces.current.map((p) => ({ code: p.code, name: p.name, selected: p.code === f.province })),
      byProvince: list.byProvince,
      martyrs: list.items.map((m) => ({ ...m, url: martyrUrl(Number(m.id), m.full_name), deathDate: dateText(m.death_year, m.death_month, m.death_day) })),
      total: list.total,
      previous: f.page > 1 ? f.page - 1 : null,
      next: f.page * list.perPage < Math.min(list.total, 200 * list.perPage) ? f.page + 1 : null,
      query: f.province ? `province=${f.province}` : '',
    });
  });

  return router;
}
