/**
 * The public side of submissions: the "send information" form (reached from every martyr, grave
 * and cemetery page), the tracking page, and the sender's one answer to a question. Every refusal
 * comes back as the form with a clear message and everything typed kept (files must be chosen again).
 */
import { Router, type Request, type Response } from 'express';
import multer from 'multer';
import { z } from 'zod';
import type { Config } from '../config.js';
import type { Db } from '../db/knex.js';
import { clientIp } from '../accounts/auth.middleware.js';
import { translate } from '../i18n/messages.js';
import { AppError, NotFoundError } from '../http/errors.js';
import { formBodyOnly } from '../http/form-body.js';
import { localeOf } from '../http/locale.js';
import { invalidMultipartError, refuseNulInFields } from '../http/text-guard.js';
import { sendPage } from '../http/render.js';
import { localDateTime } from '../views/local-time.js';
import type { ProvinceCatalogue } from '../places/province-catalogue.js';
import type { FileStore } from '../storage/file-store.js';
import { UploadRejected } from '../uploads/image-checks.js';
import { MAX_EVIDENCE_BYTES, MAX_EVIDENCE_FILES } from './evidence.js';
import { BURIAL_FIELDS, FIELD_LIMITS, MARTYR_FIELDS, ProposalError, SUBMISSION_KINDS, type Proposal, type SubmissionKind } from './proposal.js';
import { changesForSubmissionCode } from '../notify/notify.service.js';
import { answerSubmission, createSubmission, findTarget, TooManySubmissions, trackingView, type Target } from './submissions.service.js';

const LIMITS = { senderName: 200, senderContact: 200, senderRelation: 200, message: 5000 } as const;
/** Left empty by people; bots that fill every field (or post without the form) are refused. */
export const HONEYPOT_FIELD = 'website';

const id = z.coerce.number().int().positive().max(Number.MAX_SAFE_INTEGER);
const targetQuery = z.object({ martyr: id.optional(), grave: id.optional(), cemetery: id.optional(), kind: z.enum(SUBMISSION_KINDS).optional(), lang: z.enum(['vi', 'en']).optional() });

/** The kind a form is for when the sender did not choose: what the page it came from suggests. */
function defaultKind(target: Target): SubmissionKind {
  if (target.martyr) return target.martyr.hasGrave ? 'martyr_correction' : 'martyr_grave_info';
  if (target.grave) return target.grave.state === 'identified' ? 'headstone_photo' : 'grave_identity';
  return 'new_person';
}

function kindsFor(target: Target): SubmissionKind[] {
  if (target.martyr) return ['martyr_correction', 'martyr_grave_info'];
  if (target.grave) return ['grave_identity', 'headstone_photo'];
  return ['new_person'];
}

/** What is wrong with a proposed field, in the page's language, naming the field as the form does. */
function proposalMessage(res: Response, field: string): string {
  const locale = localeOf(res);
  const label = (MARTYR_FIELDS as readonly string[]).includes(field) || (BURIAL_FIELDS as readonly string[]).includes(field) ? translate(locale, `submit.field.${field}`) : translate(locale, `journey.form.field.${field}`);
  const key = field === 'birthDate' || field === 'deathDate' ? 'journey.form.invalid.date' : 'journey.form.invalid';
  return translate(locale, key, { field: label });
}

export function submissionPublicRoutes(db: Db, config: Config, provinces: ProvinceCatalogue, privateStore: FileStore): Router {
  const router = Router();
  const upload = multer({ storage: multer.memoryStorage(), limits: { files: MAX_EVIDENCE_FILES, fileSize: MAX_EVIDENCE_BYTES, fields: 40, fieldSize: 20_000, parts: 50 } });
  const t = (res: Response, key: string, params?: Record<string, unknown>) => translate(localeOf(res), key, params);

  /** `errorField`: the field the error is about, marked aria-invalid and focused on the page. */
  const showForm = async (req: Request, res: Response, query: z.output<typeof targetQuery>, values: Record<string, string>, error?: string, status = 200, errorField?: string) => {
    const target = await findTarget(db, { martyrId: query.martyr, graveId: query.grave, cemeteryId: query.cemetery });
    const kind = query.kind && kindsFor(target).includes(query.kind) ? query.kind : defaultKind(target);
    const current = target.martyr?.snapshot;
    const martyrFields = MARTYR_FIELDS.map((field) => ({
      field,
      label: t(res, `submit.field.${field}`),
      value: values[field] ?? (kind === 'martyr_correction' ? (current?.[field] ?? '') : ''),
      max: FIELD_LIMITS[field],
      invalid: errorField === field,
    }));
    const burialFields = BURIAL_FIELDS.map((field) => ({ field, label: t(res, `submit.field.${field}`), value: values[field] ?? (field === 'cemeteryId' && target.cemetery ? String(target.cemetery.id) : ''), max: FIELD_LIMITS[field], invalid: errorField === field }));
    sendPage(req, res, 'submit', {
      title: t(res, 'submit.title'),
      target,
      kind,
      kinds: kindsFor(target).map((k) => ({ value: k, label: t(res, `submit.kind.${k}`), selected: k === kind })),
      showMartyrFields: kind !== 'martyr_grave_info' && kind !== 'headstone_photo',
      showBurialFields: kind === 'martyr_grave_info',
      showProvince: kind === 'new_person' && !target.cemetery,
      martyrFields,
      burialFields,
      provinces: provinces.current.map((p) => ({ code: p.code, name: p.name, selected: p.code === values.province })),
      values,
      limits: LIMITS,
      maxFiles: MAX_EVIDENCE_FILES,
      error,
      errorField,
      maxFileBytes: MAX_EVIDENCE_BYTES,
      maxFileMb: MAX_EVIDENCE_BYTES / 1024 / 1024,
      query: new URLSearchParams(Object.entries(query).filter(([, v]) => v !== undefined).map(([k, v]) => [k, String(v)])).toString(),
    }, status);
  };

  router.get('/gui-thong-tin', async (req, res) => {
    const query = targetQuery.safeParse(req.query);
    if (!query.success) throw new NotFoundError();
    await showForm(req, res, query.data, {});
  });

  router.post('/gui-thong-tin', (req, res, next) => {
    upload.array('files', MAX_EVIDENCE_FILES)(req, res, (error: unknown) => {
      if (error instanceof multer.MulterError) {
        const key = error.code === 'LIMIT_FILE_SIZE' ? 'submit.error.fileTooLarge' : error.code === 'LIMIT_FILE_COUNT' || error.code === 'LIMIT_UNEXPECTED_FILE' ? 'submit.error.tooManyFiles' : 'submit.error.tooLarge';
        res.locals.uploadError = t(res, key, { files: MAX_EVIDENCE_FILES, mb: MAX_EVIDENCE_BYTES / 1024 / 1024 });
        res.locals.uploadStatus = error.code === 'LIMIT_FILE_SIZE' ? 413 : 400;
        res.locals.uploadErrorField = error.code === 'LIMIT_FILE_SIZE' || error.code === 'LIMIT_FILE_COUNT' || error.code === 'LIMIT_UNEXPECTED_FILE' ? 'files' : undefined;
        return next();
      }
      // Anything else the parser reports is the body itself: truncated, no boundary, a broken part.
      next(error ? invalidMultipartError(res) : refuseNulInFields(req, res));
    });
  }, async (req, res) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    const text = (key: string) => (typeof body[key] === 'string' ? (body[key] as string) : '');
    const values: Record<string, string> = {};
    for (const key of ['senderName', 'senderContact', 'senderRelation', 'message', 'province', ...MARTYR_FIELDS, ...BURIAL_FIELDS]) values[key] = text(key).normalize('NFC');
    const query = targetQuery.safeParse({ martyr: body.martyr || undefined, grave: body.grave || undefined, cemetery: body.cemetery || undefined, kind: body.kind || undefined });
    if (!query.success) throw new AppError(400, 'bad_request', t(res, 'submit.error.target'));
    const again = (key: string, status = 400, params?: Record<string, unknown>, field?: string) => showForm(req, res, query.data, values, t(res, key, params), status, field);

    if (res.locals.uploadError) return showForm(req, res, query.data, values, res.locals.uploadError as string, res.locals.uploadStatus as number, res.locals.uploadErrorField as string | undefined);
    // Exactly one empty text: a field sent twice arrives as a list, which is no empty text either.
    if (body[HONEYPOT_FIELD] !== '') return again('submit.error.honeypot');
    const missing = (['senderName', 'senderContact', 'message'] as const).find((key) => !values[key]!.trim());
    if (missing) return again('submit.error.required', 400, undefined, missing === 'message' ? 'message' : missing);
    for (const [key, max] of Object.entries(LIMITS)) if ([...(values[key] ?? '')].length > max) return again('submit.error.tooLong', 400, { field: t(res, `submit.${key}`), max }, key);
    for (const field of [...MARTYR_FIELDS, ...BURIAL_FIELDS]) if ([...values[field]!].length > FIELD_LIMITS[field]) return again('submit.error.tooLong', 400, { field: t(res, `submit.field.${field}`), max: FIELD_LIMITS[field] }, field);
    if (!/^[+\d\s().-]{8,20}$/.test(values.senderContact!.trim()) && !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(values.senderContact!.trim())) return again('submit.error.contact', 400, undefined, 'senderContact');

    const target = await findTarget(db, { martyrId: query.data.martyr, graveId: query.data.grave, cemeteryId: query.data.cemetery });
    const kind = query.data.kind && kindsFor(target).includes(query.data.kind) ? query.data.kind : defaultKind(target);
    const proposal: Proposal = {};
    for (const field of kind === 'martyr_grave_info' ? BURIAL_FIELDS : MARTYR_FIELDS) if (field in body) proposal[field] = values[field];
    try {
      const { trackingCode } = await createSubmission(db, privateStore, {
        kind,
        martyrId: query.data.martyr,
        graveId: query.data.grave,
        cemeteryId: query.data.cemetery,
        statedProvinceCode: kind === 'new_person' && values.province ? values.province : undefined,
        senderName: values.senderName!.trim(),
        senderContact: values.senderContact!.trim(),
        senderRelation: values.senderRelation!.trim(),
        message: values.message!.trim(),
        proposal,
        files: ((req.files as Express.Multer.File[] | undefined) ?? []).map((f) => ({ buffer: f.buffer, originalname: f.originalname, size: f.size })),
        ip: clientIp(req),
      });
      res.redirect(303, `/theo-doi/${trackingCode}?moi=1`);
    } catch (error) {
      if (error instanceof TooManySubmissions) {
        res.set('Retry-After', String(error.retryAfterSeconds));
        return again('submit.error.rateLimited', 429, { minutes: Math.ceil(error.retryAfterSeconds / 60) });
      }
      // The page's language only: the errors' own texts are for logs and developers.
      if (error instanceof UploadRejected) return showForm(req, res, query.data, values, t(res, `journey.form.file.${error.code}`, { mb: MAX_EVIDENCE_BYTES / 1024 / 1024 }), 400, 'files');
      if (error instanceof ProposalError) return showForm(req, res, query.data, values, proposalMessage(res, error.field), 400, error.field);
      throw error;
    }
  });

  router.get('/theo-doi', (req, res) => {
    const code = typeof req.query.ma === 'string' ? req.query.ma : '';
    if (code) return res.redirect(303, `/theo-doi/${encodeURIComponent(code.trim())}`);
    sendPage(req, res, 'tracking-lookup', { title: t(res, 'track.title') });
  });

  router.get('/theo-doi/:code', async (req, res) => {
    const view = await trackingView(db, String(req.params.code));
    // A mistyped code is the sender's to fix: its own message and the box again, filled in to correct.
    if (!view) return sendPage(req, res, 'tracking-lookup', { title: t(res, 'track.title'), notFound: true, code: String(req.params.code).slice(0, 20) }, 404);
    if (view.trackingCode !== req.params.code) return res.redirect(301, `/theo-doi/${view.trackingCode}`);
    res.set('Cache-Control', 'no-store');
    const changes = await changesForSubmissionCode(db, view.trackingCode);
    sendPage(req, res, 'tracking', {
      title: t(res, 'track.title'),
      view,
      changes: changes.map((c) => ({ ...c, label: t(res, `notify.event.${c.kind}`), status: typeof c.details.status === 'string' ? t(res, `track.status.${c.details.status}`) : null, at: localDateTime(c.at), datetime: c.at.toISOString() })),
      newChanges: changes.filter((c) => c.isNew).length,
      justSent: req.query.moi === '1',
      statusLabel: t(res, `track.status.${view.status}`),
      kindLabel: t(res, `submit.kind.${view.kind}`),
      events: view.events.map((e) => ({ ...e, label: t(res, `track.event.${e.kind}`), at: localDateTime(e.at), datetime: e.at.toISOString() })),
    });
  });

  router.post('/theo-doi/:code/tra-loi', formBodyOnly, async (req, res) => {
    const answer = typeof req.body?.answer === 'string' ? req.body.answer.normalize('NFC').trim() : '';
    const view = await trackingView(db, String(req.params.code));
    if (!view) throw new NotFoundError(t(res, 'track.notFound'));
    if (!answer || [...answer].length > 5000) {
      return sendPage(req, res, 'tracking', { title: t(res, 'track.title'), view, answerError: t(res, 'track.answerInvalid'), statusLabel: t(res, `track.status.${view.status}`), kindLabel: t(res, `submit.kind.${view.kind}`), events: [] }, 400);
    }
    await answerSubmission(db, view.trackingCode, answer);
    res.redirect(303, `/theo-doi/${view.trackingCode}`);
  });

  return router;
}
