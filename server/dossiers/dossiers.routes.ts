/**
 * Digital dossiers in the staff area (/quan-ly/ho-so), staff in jurisdiction only; everything else
 * answers 404 as if no dossier existed:
 *   GET  /quan-ly/ho-so                         full-text search over the pages the scope reads
 *   GET  /quan-ly/ho-so/:id                     the one-minute check of a martyr's record against the dossier
 *   POST /quan-ly/ho-so/:id/tai-lieu            one document (multipart "file"): requireStaff → multipart → csrfCheck → check, keep, queue
 *   POST /quan-ly/ho-so/:id/sua                 correct a field from a document (audited)
 *   POST /quan-ly/ho-so/co/:flagId/da-kiem-tra  a flag looked at: the record is right
 *   POST /quan-ly/ho-so/trang/:pageId/chu-viet  printed or handwritten
 *   POST /quan-ly/ho-so/trang/:pageId/doc-lai   read a parked page again
 *   GET  /quan-ly/ho-so/trang/:pageId/:size     a page image (thumb, page, full)
 *   GET  /quan-ly/ho-so/tai-lieu/:docId/goc     the unchanged original, as an attachment (audited)
 *   GET  /quan-ly/ho-so/:id/xuat                the dossier as one watermarked PDF (audited)
 *   GET|POST /quan-ly/ho-so/uy-quyen            commune officers of the province: grant, revoke
 *   GET|POST /quan-ly/ho-so/uy-quyen/:commune   records of split old communes to confirm for a commune
 *   GET|POST /quan-ly/ho-so/tai-thu-muc         a folder of scans, one request per file, matched by file name
 *   GET|POST /quan-ly/ho-so/tai-thu-muc/duyet   the review screen of the matched files
 */
import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import { clientIp, csrfCheck, requireStaff } from '../accounts/auth.middleware.js';
import { keepsDossiers } from '../accounts/scope.js';
import { translate } from '../i18n/messages.js';
import { statusOf } from '../http/domain-status.js';
import { DomainError, NotFoundError, NotInScope, ServiceUnavailableError } from '../http/errors.js';
import { meilisearchUnavailable } from '../search/engine-errors.js';
import { formBodyOnly } from '../http/form-body.js';
import { localeOf } from '../http/locale.js';
import { recordIdParam } from '../http/paging.schema.js';
import { parseParams } from '../http/params.js';
import { sendPage, wantsJson } from '../http/render.js';
import type { ProvinceCatalogue } from '../places/province-catalogue.js';
import { sendStream } from '../http/stream-file.js';
import { localDateTime } from '../views/local-time.js';
import type { DossierDeps } from './dossier-deps.js';
import { buildDossierPdf } from './dossier-export.js';
import { DocumentRejected, MAX_DOCUMENT_BYTES, MAX_DOCUMENT_PAGES } from './dossier-files.js';
import { searchDossierIndex } from './dossier-index.js';
import { dossierPageView, fieldValue, pageUrl, SHOWN_FIELDS, boxesOf, wordsInRanges } from './dossier.view.js';
import {
  communeOf, communeOfficers, communesOfProvinces, dossierAccessLog, flagsOf, pagesOf, readablePages, splitRecords,
} from './dossiers.queries.js';
import {
  batchItems, CLASSIFICATIONS, confirmForCommune, CORRECTABLE_FIELDS, correctFromDossier, decideBatch, DOCUMENT_KINDS, downloadOriginal, exportContents, grantCommune,
  markFlagChecked, openDossier, pageImageKey, receiveBatchFile, receiveDocument, retryPage, revokeCommune, setWriting, type DossierActor,
} from './dossiers.service.js';
import { fieldSources } from './field-sources.js';
import { documentUpload, localizedDocumentRejection } from './upload.middleware.js';

const ORIGINAL_TYPES: Record<string, string> = { pdf: 'application/pdf', jpg: 'image/jpeg', png: 'image/png', tif: 'image/tiff' };
const SEARCH_PAGE = 20;

const str = (v: unknown, max = 500) => (typeof v === 'string' ? v.slice(0, max) : '');

export function dossierRoutes(deps: DossierDeps, provinces: ProvinceCatalogue): Router {
  const router = Router();
  const { db } = deps;
  const t = (res: Response, key: string, params?: Record<string, unknown>) => translate(localeOf(res), key, params);
  const actorOf = (req: Request): DossierActor => ({
    userId: req.staff!.session.userId, ip: clientIp(req), scope: req.staff!.scope, sessionHash: req.staff!.session.idHash, name: req.staff!.session.displayName,
  });
  const messageOf = (res: Response, error: DomainError) => {
    const key = `error.code.${error.code}`;
    const text = t(res, key);
    return text === key ? error.message : text;
  };
  const kindOptions = (res: Response, chosen = 'death_notice') => DOCUMENT_KINDS.map((k) => ({ value: k, label: t(res, `dossiers.kind.${k}`), selected: k === chosen }));
  const classificationOptions = (res: Response) => CLASSIFICATIONS.map((c) => ({ value: c, label: t(res, `dossiers.classification.${c}`) }));

  // --- Search -------------------------------------------------------------------------------------
  router.get('/quan-ly/ho-so', requireStaff(), async (req, res) => {
    const { q, page } = parseParams(z.object({ q: z.string().trim().max(200).default(''), page: z.coerce.number().int().min(1).max(50).default(1), lang: z.enum(['vi', 'en']).optional() }).strict(), req.query);
    const scope = req.staff!.scope;
    let hits: unknown[] = [];
    let total = 0;
    if (q) {
      const found = await searchDossierIndex(deps.meili, deps.indexUid, scope, q, SEARCH_PAGE, (page - 1) * SEARCH_PAGE).catch((error: unknown) => {
        // The check pages work without the index; only the search waits for it to come back.
        if (meilisearchUnavailable(error)) throw new ServiceUnavailableError(t(res, 'dossiers.search.unavailable'));
        throw error;
      });
      // The index filtered by jurisdiction; PostgreSQL decides again, so a page whose record moved out of scope since it was indexed never shows.
      const readable = await readablePages(db, scope, found.hits.map((h) => h.pageId));
      total = found.total;
      hits = found.hits.flatMap((hit) => {
        const p = readable.get(hit.pageId);
        if (!p || p.martyr_id === null) return [];
        const indexes = wordsInRanges(p.ocr_words, hit.ranges);
        const first = hit.ranges[0]?.start ?? 0;
        const text = p.ocr_text ?? '';
        const from = Math.max(0, text.lastIndexOf('\n', first) + 1);
        const snippet = text.slice(from, Math.min(text.length, from + 240));
        return [{
          pageId: p.id, pageNumber: p.page_number, kindLabel: t(res, `dossiers.kind.${p.kind}`), martyrId: p.martyr_id,
          url: `/quan-ly/ho-so/${p.martyr_id}#trang-${p.id}`, image: pageUrl(p.id, 'page'), width: p.width, height: p.height,
          boxes: boxesOf(p.ocr_words, indexes), snippet, handwritten: p.writing === 'handwritten',
        }];
      });
    }
    if (wantsJson(req)) return res.json({ total, hits });
    sendPage(req, res, 'staff/dossier-search', {
      title: t(res, 'dossiers.search.title'), q, hits, total, page,
      next: page * SEARCH_PAGE < total ? page + 1 : null, previous: page > 1 ? page - 1 : null,
      keeps: keepsDossiers(scope), delegates: keepsDossiers(scope) && (scope.provinceCodes.length > 0 || scope.roles.includes('admin')),
    });
  });

  // --- The check page -----------------------------------------------------------------------------
  const checkPage = async (req: Request, res: Response, martyrId: number, extra: Record<string, unknown> = {}, status = 200) => {
    const actor = actorOf(req);
    const { martyr, documents, keeps, classifications } = await openDossier(deps, actor, martyrId);
    const [pages, flags, sources, access] = await Promise.all([
      pagesOf(db, documents.map((d) => d.id)),
      flagsOf(db, martyr.id, classifications),
      fieldSources(db, martyr.id, martyr.source, SHOWN_FIELDS),
      keeps ? dossierAccessLog(db, martyr.id) : Promise.resolve(null),
    ]);
    const view = dossierPageView(localeOf(res), { martyr, documents, pages, flags, sources, access, keeps });
    sendPage(req, res, 'staff/dossier', {
      title: `${t(res, 'dossiers.check.title')}: ${martyr.full_name}`,
      martyr, ...view, keeps,
      hasGrave: martyr.grave_id !== null,
      kinds: kindOptions(res), classifications: classificationOptions(res),
      correctable: CORRECTABLE_FIELDS.map((f) => ({ value: f, label: t(res, `dossiers.field.${f}`) })),
      readyDocuments: view.documents.filter((d) => !d.rendering && !d.failed),
      maxMb: Math.round(MAX_DOCUMENT_BYTES / 1024 / 1024), maxPages: MAX_DOCUMENT_PAGES,
      hasPending: view.documents.some((d) => d.rendering || d.pages.some((p) => !p.done && !p.parked)),
      ...extra,
    }, status);
  };

  router.get('/quan-ly/ho-so/:id', requireStaff(), async (req, res, next) => {
    if (!/^\d/.test(String(req.params.id))) return next();
    const { id } = parseParams(z.object({ id: recordIdParam }), req.params);
    await checkPage(req, res, id);
  });

  /** A refusal shown on the check page in the page's language; NotInScope stays a 404. */
  const refusedOnPage = async (req: Request, res: Response, martyrId: number, error: unknown) => {
    if (error instanceof DocumentRejected) {
      const refusal = localizedDocumentRejection(localeOf(res), error, req.file?.originalname);
      if (wantsJson(req)) throw refusal;
      return checkPage(req, res, martyrId, { error: refusal.message }, refusal.status);
    }
    if (error instanceof DomainError && !(error instanceof NotInScope)) {
      if (wantsJson(req)) throw error;
      return checkPage(req, res, martyrId, { error: messageOf(res, error), values: req.body }, statusOf(error));
    }
    throw error;
  };

  router.post('/quan-ly/ho-so/:id/tai-lieu', requireStaff(), documentUpload, csrfCheck, async (req, res) => {
    const { id } = parseParams(z.object({ id: recordIdParam }), req.params);
    try {
      if (!req.file) throw new DocumentRejected('empty', 'no file was sent');
      const body = req.body as Record<string, unknown>;
      const result = await receiveDocument(deps, actorOf(req), id, {
        data: req.file.buffer,
        fileName: req.file.originalname,
        meta: { kind: str(body.kind, 40), classification: str(body.classification, 40) || 'internal', issued: str(body.issued, 20), issuingBody: str(body.issuingBody, 400), number: str(body.number, 200), onGrave: body.onGrave === 'grave' },
      });
      if (wantsJson(req)) return res.status(result.created ? 201 : 200).json(result);
      res.redirect(303, `/quan-ly/ho-so/${id}#tai-lieu-${result.documentId}`);
    } catch (error) {
      await refusedOnPage(req, res, id, error);
    }
  });

  router.post('/quan-ly/ho-so/:id/sua', requireStaff(), formBodyOnly, async (req, res) => {
    const { id } = parseParams(z.object({ id: recordIdParam }), req.params);
    const body = req.body as Record<string, unknown>;
    try {
      await correctFromDossier(deps, actorOf(req), id, { field: str(body.field, 40), value: str(body.value, 400), documentId: Number(body.documentId) || 0, note: str(body.note, 600) });
      res.redirect(303, `/quan-ly/ho-so/${id}?saved=1`);
    } catch (error) {
      await refusedOnPage(req, res, id, error);
    }
  });

  router.post('/quan-ly/ho-so/co/:flagId/da-kiem-tra', requireStaff(), formBodyOnly, async (req, res) => {
    const { flagId } = parseParams(z.object({ flagId: recordIdParam }), req.params);
    const { martyrId } = await markFlagChecked(deps, actorOf(req), flagId);
    res.redirect(303, `/quan-ly/ho-so/${martyrId}#co-${flagId}`);
  });

  router.post('/quan-ly/ho-so/trang/:pageId/chu-viet', requireStaff(), formBodyOnly, async (req, res) => {
    const { pageId } = parseParams(z.object({ pageId: recordIdParam }), req.params);
    const writing = req.body?.writing === 'handwritten' ? 'handwritten' : req.body?.writing === 'printed' ? 'printed' : null;
    if (!writing) throw new NotFoundError();
    const { martyrId } = await setWriting(deps, actorOf(req), pageId, writing);
    res.redirect(303, `/quan-ly/ho-so/${martyrId}#trang-${pageId}`);
  });

  router.post('/quan-ly/ho-so/trang/:pageId/doc-lai', requireStaff(), formBodyOnly, async (req, res) => {
    const { pageId } = parseParams(z.object({ pageId: recordIdParam }), req.params);
    const { martyrId } = await retryPage(deps, actorOf(req), pageId);
    res.redirect(303, `/quan-ly/ho-so/${martyrId}#trang-${pageId}`);
  });

  router.get('/quan-ly/ho-so/trang/:pageId/:size', requireStaff(), async (req, res) => {
    const { pageId, size } = parseParams(z.object({ pageId: recordIdParam, size: z.enum(['thumb', 'page', 'full']) }), req.params);
    const key = await pageImageKey(deps, req.staff!.scope, pageId, size);
    await sendStream(req, res, deps.store.read(key), { 'Content-Type': 'image/jpeg', 'Cache-Control': 'private, no-store', 'X-Content-Type-Options': 'nosniff', 'Content-Disposition': 'inline' });
  });

  router.get('/quan-ly/ho-so/tai-lieu/:docId/goc', requireStaff(), async (req, res) => {
    const { docId } = parseParams(z.object({ docId: recordIdParam }), req.params);
    const doc = await downloadOriginal(deps, actorOf(req), docId);
    const extension = doc.original_key.split('.').pop() ?? 'bin';
    await sendStream(req, res, deps.store.read(doc.original_key), {
      // Never rendered by the browser: an original PDF is downloaded, not opened in the portal's origin.
      'Content-Type': 'application/octet-stream',
      'Content-Disposition': `attachment; filename="dossier-${docId}.${extension}"; filename*=UTF-8''${encodeURIComponent(doc.file_name)}`,
      'Content-Security-Policy': "sandbox; default-src 'none'",
      'X-Content-Type-Options': 'nosniff',
      'Cache-Control': 'private, no-store',
      'X-Original-Content-Type': ORIGINAL_TYPES[extension] ?? 'application/octet-stream',
    });
  });

  router.get('/quan-ly/ho-so/:id/xuat', requireStaff(), async (req, res) => {
    const { id } = parseParams(z.object({ id: recordIdParam }), req.params);
    const actor = actorOf(req);
    const { martyr, documents } = await exportContents(deps, actor, id);
    const pages = await pagesOf(db, documents.map((d) => d.id), false);
    const exportedAt = new Date();
    const pdf = await buildDossierPdf({
      title: `${t(res, 'dossiers.export.title')}: ${martyr.full_name}`,
      sheet: SHOWN_FIELDS.map((f) => ({ label: t(res, `dossiers.field.${f}`), value: fieldValue(martyr, f) || '—' })).concat(
        [{ label: t(res, 'dossiers.export.documents'), value: String(documents.length) }, { label: t(res, 'dossiers.export.pages'), value: String(pages.length) }],
      ),
      watermark: t(res, 'dossiers.export.watermark', { name: actor.name, email: req.staff!.session.email ?? '', at: localDateTime(exportedAt), id: martyr.id }),
      pages: pages.map((p) => ({ caption: `${p.document_id}/${p.page_number}`, jpeg: async () => bufferOf(deps.store.read(p.page_key)) })),
    });
    res.set({
      'Content-Type': 'application/pdf',
      'Content-Disposition': `attachment; filename="ho-so-liet-si-${martyr.id}.pdf"`,
      'Cache-Control': 'private, no-store',
      'X-Content-Type-Options': 'nosniff',
    });
    res.send(pdf);
  });

  // --- Delegation to communes -----------------------------------------------------------------------
  const delegationScope = (req: Request) => {
    const scope = req.staff!.scope;
    if (!keepsDossiers(scope) || (!scope.provinceCodes.length && !scope.roles.includes('admin'))) throw new NotFoundError();
    return scope.roles.includes('admin') ? ('all' as const) : scope.provinceCodes;
  };

  const delegationPage = async (req: Request, res: Response, extra: Record<string, unknown> = {}, status = 200) => {
    const provinceCodes = delegationScope(req);
    const codes = provinceCodes === 'all' ? provinces.current.map((p) => p.code) : provinceCodes;
    sendPage(req, res, 'staff/dossier-delegation', {
      title: t(res, 'dossiers.delegation.title'),
      officers: (await communeOfficers(db, provinceCodes)).map((o) => ({ ...o, since: localDateTime(o.created_at) })),
      communes: await communesOfProvinces(db, codes),
      provinces: codes.map((c) => provinces.currentName(c) ?? c).join(', '),
      ...extra,
    }, status);
  };

  router.get('/quan-ly/ho-so/uy-quyen', requireStaff(), (req, res) => delegationPage(req, res));

  router.post('/quan-ly/ho-so/uy-quyen', requireStaff(), formBodyOnly, async (req, res) => {
    delegationScope(req);
    const body = req.body as Record<string, unknown>;
    try {
      if (body.action === 'revoke') await revokeCommune(deps, actorOf(req), { userId: Number(body.userId) || 0, communeCode: str(body.commune, 10) });
      else await grantCommune(deps, actorOf(req), { email: str(body.email, 200), communeCode: str(body.commune, 10) });
      res.redirect(303, '/quan-ly/ho-so/uy-quyen');
    } catch (error) {
      if (error instanceof DomainError && !(error instanceof NotInScope)) return delegationPage(req, res, { error: messageOf(res, error) }, statusOf(error));
      throw error;
    }
  });

  const splitPage = async (req: Request, res: Response, code: string, extra: Record<string, unknown> = {}, status = 200) => {
    const provinceCodes = delegationScope(req);
    const commune = await communeOf(db, code);
    if (!commune || (provinceCodes !== 'all' && !provinceCodes.includes(commune.province_code))) throw new NotFoundError();
    sendPage(req, res, 'staff/dossier-split', {
      title: `${t(res, 'dossiers.split.title')}: ${commune.name}`,
      commune, records: await splitRecords(db, provinceCodes, commune.code), ...extra,
    }, status);
  };

  router.get('/quan-ly/ho-so/uy-quyen/:commune', requireStaff(), async (req, res) => {
    const { commune } = parseParams(z.object({ commune: z.string().regex(/^\d{5}$/) }), req.params);
    await splitPage(req, res, commune);
  });

  router.post('/quan-ly/ho-so/uy-quyen/:commune', requireStaff(), formBodyOnly, async (req, res) => {
    const { commune } = parseParams(z.object({ commune: z.string().regex(/^\d{5}$/) }), req.params);
    delegationScope(req);
    try {
      await confirmForCommune(deps, actorOf(req), { martyrId: Number(req.body?.martyrId) || 0, communeCode: commune, confirmed: req.body?.action !== 'unconfirm' });
      res.redirect(303, `/quan-ly/ho-so/uy-quyen/${commune}`);
    } catch (error) {
      if (error instanceof DomainError && !(error instanceof NotInScope)) return splitPage(req, res, commune, { error: messageOf(res, error) }, statusOf(error));
      throw error;
    }
  });

  // --- Folder uploads -------------------------------------------------------------------------------
  const keeperOnly = (req: Request) => {
    if (!keepsDossiers(req.staff!.scope)) throw new NotFoundError();
  };

  router.get('/quan-ly/ho-so/tai-thu-muc', requireStaff(), (req, res) => {
    keeperOnly(req);
    sendPage(req, res, 'staff/dossier-batch', { title: t(res, 'dossiers.batch.title'), maxMb: Math.round(MAX_DOCUMENT_BYTES / 1024 / 1024) });
  });

  router.post('/quan-ly/ho-so/tai-thu-muc', requireStaff(), documentUpload, csrfCheck, async (req, res) => {
    keeperOnly(req);
    const name = str(req.body?.path, 500) || req.file?.originalname || '';
    try {
      if (!req.file) throw new DocumentRejected('empty', 'no file was sent');
      const { id, created } = await receiveBatchFile(deps, actorOf(req), { data: req.file.buffer, fileName: name });
      if (wantsJson(req)) return res.status(created ? 201 : 200).json({ itemId: id, created, reviewUrl: '/quan-ly/ho-so/tai-thu-muc/duyet' });
      res.redirect(303, '/quan-ly/ho-so/tai-thu-muc/duyet');
    } catch (error) {
      if (error instanceof DocumentRejected) throw localizedDocumentRejection(localeOf(res), error, name);
      throw error;
    }
  });

  const batchReview = async (req: Request, res: Response, extra: { problems?: Map<number, string>; done?: number } = {}, status = 200) => {
    const items = await batchItems(deps, actorOf(req));
    sendPage(req, res, 'staff/dossier-batch-review', {
      title: t(res, 'dossiers.batch.reviewTitle'),
      items: items.map((i) => ({
        ...i, kinds: kindOptions(res, i.kind), matchedLabel: i.matched_by ? t(res, `dossiers.batch.matchedBy.${i.matched_by}`) : null,
        problem: extra.problems?.get(i.id) ? t(res, `error.code.${extra.problems.get(i.id)}`) : null,
      })),
      classifications: classificationOptions(res),
      done: extra.done ?? (Number(req.query.attached) || 0),
    }, status);
  };

  router.get('/quan-ly/ho-so/tai-thu-muc/duyet', requireStaff(), async (req, res) => {
    keeperOnly(req);
    await batchReview(req, res);
  });

  router.post('/quan-ly/ho-so/tai-thu-muc/duyet', requireStaff(), formBodyOnly, async (req, res) => {
    keeperOnly(req);
    const body = req.body as Record<string, unknown>;
    const ids = (Array.isArray(body.item) ? body.item : body.item ? [body.item] : []).map(Number).filter(Number.isSafeInteger).slice(0, 1000);
    const decisions = ids.map((itemId) => {
      const action = str(body[`action[${itemId}]`], 20);
      return {
        itemId,
        action: (action === 'attach' || action === 'discard' ? action : 'later') as 'attach' | 'discard' | 'later',
        martyrId: Number(str(body[`martyr[${itemId}]`], 20)) || null,
        kind: str(body[`kind[${itemId}]`], 40) || 'other',
        classification: str(body[`classification[${itemId}]`], 40) || 'internal',
      };
    });
    const { attached, problems } = await decideBatch(deps, actorOf(req), decisions);
    if (problems.size) return batchReview(req, res, { problems, done: attached }, 422);
    res.redirect(303, `/quan-ly/ho-so/tai-thu-muc/duyet?attached=${attached}`);
  });

  return router;
}

async function bufferOf(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}
