/**
 * The public pages, rendered on the server (they work with JavaScript off):
 *   /liet-si/:id-:slug   a martyr        (?print=1: the A4 sheet)
 *   /mo/:id              a grave         (?print=1: the A4 sheet)
 *   /nghia-trang/:id-:slug  a cemetery   (?q= search its graves, ?page=)
 *   /tinh, /tinh/:slug   provinces       (an old or historical province's slug redirects)
 *   /sitemap.xml, /sitemaps/:file, /robots.txt
 * Each route reads: parse the request → load (the same queries as the JSON API) → canonical
 * redirect → build the view → render.
 */
import { Router } from 'express';
import { cachedFor } from '../db/count-cache.js';
import type { Db } from '../db/knex.js';
import { NotFoundError } from '../http/errors.js';
import { parseParams } from '../http/params.js';
import { sendPage } from '../http/render.js';
import type { Province } from '../places/places.queries.js';
import type { ProvinceCatalogue } from '../places/province-catalogue.js';
import { cemeteryUrl, graveUrl, martyrUrl } from '../records/urls.js';
import { slugify } from '../text/vietnamese.js';
import { cemeteryView, loadCemeteryPage } from './cemetery.page.js';
import { graveView, loadGravePage } from './grave.page.js';
import { cachedProvinceOutlines } from './map.queries.js';
import { loadMartyrPage, martyrView } from './martyr.page.js';
import { anniversaryView, remembranceView } from '../remembrance/remembrance.view.js';
import { cemeteryPageQuery, listPageQuery, recordId, recordPageQuery, redirectToCanonical, viewContext } from './page-http.js';
import { gravePrintView, martyrPrintView } from './print.page.js';
import { historicalView, loadProvincePage, provincesView, provinceView } from './province.page.js';
import { historicalProvinces, provinceSummaries, type HistoricalProvince, type ProvinceSummary } from './provinces.queries.js';
import { planSitemap, sitemapIndexXml, writeSingleSitemap, writeSitemapFile } from './sitemap.js';

export type PageDeps = { db: Db; provinces: ProvinceCatalogue; publicBaseUrl: string | undefined };

/** Counting every grave per province on each visit of /tinh is wasteful; a minute-old count is fine. */
const SUMMARY_TTL_MS = 60_000;

export function pageRoutes({ db, provinces, publicBaseUrl }: PageDeps): Router {
  const router = Router();
  const outlineOf = cachedProvinceOutlines(db);
  const byCode = new Map<string, Province>(provinces.current.map((p) => [p.code, p]));
  const slugOf = (code: string) => byCode.get(code)?.slug;
  const summaries = cachedFor<ProvinceSummary[]>(SUMMARY_TTL_MS, () => provinceSummaries(db));
  // Reference data: changes only with a migration.
  const historical = cachedFor<HistoricalProvince[]>(Infinity, () => historicalProvinces(db));
  const fixedPaths = () => ['/', '/tinh', ...provinces.current.map((p) => `/tinh/${p.slug}`)];

  router.get('/liet-si/:ref', async (req, res) => {
    const id = recordId(req.params.ref);
    const query = parseParams(recordPageQuery, req.query);
    const data = await loadMartyrPage(db, outlineOf, id);
    if (redirectToCanonical(req, res, martyrUrl(id, data.row.full_name))) return;
    const ctx = viewContext(req, res, publicBaseUrl);
    const view = await martyrView(data, ctx, slugOf);
    const anniversary = anniversaryView({ year: data.row.death_year, month: data.row.death_month, day: data.row.death_day }, ctx.locale);
    if (query.print) sendPage(req, res, 'record-print', { ...martyrPrintView(view, ctx.locale), anniversary });
    else sendPage(req, res, 'martyr', { ...view, anniversary, remembrance: await remembranceView(db, id, ctx.locale, req.query) });
  });

  router.get('/mo/:ref', async (req, res) => {
    const id = recordId(req.params.ref);
    const query = parseParams(recordPageQuery, req.query);
    const data = await loadGravePage(db, outlineOf, id);
    if (redirectToCanonical(req, res, graveUrl(id))) return;
    const ctx = viewContext(req, res, publicBaseUrl);
    const view = await graveView(data, ctx, slugOf);
    if (query.print) sendPage(req, res, 'record-print', gravePrintView(view, ctx.locale));
    else sendPage(req, res, 'grave', view);
  });

  router.get('/nghia-trang/:ref', async (req, res) => {
    const id = recordId(req.params.ref);
    const query = parseParams(cemeteryPageQuery, req.query);
    const data = await loadCemeteryPage(db, outlineOf, id, query);
    if (redirectToCanonical(req, res, cemeteryUrl(id, data.row.name))) return;
    sendPage(req, res, 'cemetery', cemeteryView(data, viewContext(req, res, publicBaseUrl), slugOf, query));
  });

  router.get('/tinh', async (req, res) => {
    if (redirectToCanonical(req, res, '/tinh')) return;
    sendPage(req, res, 'provinces', provincesView(await summaries(), viewContext(req, res, publicBaseUrl)));
  });

  router.get('/tinh/:slug', async (req, res) => {
    const query = parseParams(listPageQuery, req.query);
    const asked = req.params.slug;
    const ref = provinces.resolve(asked);
    const current = ref?.scope === 'current' ? byCode.get(ref.code) : undefined;
    if (current) {
      if (redirectToCanonical(req, res, `/tinh/${current.slug}`)) return;
      const data = await loadProvincePage(db, outlineOf, current, query.page);
      sendPage(req, res, 'province', provinceView(data, viewContext(req, res, publicBaseUrl), query.page));
      return;
    }
    // A pre-2025 province went whole into one current province.
    const old = ref?.scope === 'old' ? provinces.old.find((o) => o.code === ref.code) : undefined;
    const successor = old && byCode.get(old.newCode);
    if (successor) {
      redirectToCanonical(req, res, `/tinh/${successor.slug}`);
      return;
    }
    // A historical name (Hà Tây, Bình Trị Thiên): redirect when its land lies in one province now.
    const slug = slugify(asked);
    const named = (await historical()).find((h) => slugify(h.name) === slug);
    const targets = (named?.newCodes ?? []).map((c) => byCode.get(c)).filter((p): p is Province => Boolean(p));
    if (!named || !targets.length) throw new NotFoundError();
    if (targets.length === 1) {
      redirectToCanonical(req, res, `/tinh/${targets[0]!.slug}`);
      return;
    }
    if (redirectToCanonical(req, res, `/tinh/${slug}`)) return;
    sendPage(req, res, 'province-historical', historicalView(named.name, slug, targets, viewContext(req, res, publicBaseUrl)));
  });

  router.get('/sitemap.xml', async (req, res) => {
    const { base } = viewContext(req, res, publicBaseUrl);
    const paths = fixedPaths();
    const plan = await planSitemap(db, paths.length);
    res.type('application/xml');
    if (plan.single) await writeSingleSitemap(res, db, base, paths);
    else res.send(sitemapIndexXml(base, plan.files));
  });

  router.get('/sitemaps/:file', async (req, res) => {
    const { base } = viewContext(req, res, publicBaseUrl);
    res.type('application/xml');
    if (!(await writeSitemapFile(res, db, base, req.params.file, fixedPaths()))) {
      res.removeHeader('Content-Type');
      throw new NotFoundError();
    }
  });

  router.get('/robots.txt', (req, res) => {
    const { base } = viewContext(req, res, publicBaseUrl);
    res.type('text/plain').send(`User-agent: *\nDisallow: /api/\nDisallow: /gui-thong-tin\n\nSitemap: ${base}/sitemap.xml\n`);
  });

  return router;
}
