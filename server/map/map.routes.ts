/**
 * The map and the list of results:
 *   GET /ban-do              the map page (a search form without JavaScript; the bundle makes it a map)
 *   GET /ban-do/style.json   the MapLibre style with absolute tile URLs
 *   GET /tim-kiem            search results as a server-rendered page (works with JavaScript off)
 */
import { Router, type Request } from 'express';
import { BadRequestError } from '../http/errors.js';
import { localeOf } from '../http/locale.js';
import { parseParams } from '../http/params.js';
import { sendPage } from '../http/render.js';
import { translate } from '../i18n/messages.js';
import { search, type SearchDeps, type SearchResponse } from '../search/search.service.js';
import { allowOrigin } from './csp.js';
import { mapAssets, mapPageContext } from './map-page.js';
import { basemapOrigin, mapStyle } from './map-style.js';
import { formValues, hasCriteria, SEARCH_PAGE_SIZE, searchPageSchema, searchPageView, withoutEmptyValues } from './search-page.js';

export type MapRoutesOptions = {
  search: SearchDeps;
  /** Public origin for absolute URLs (config.publicBaseUrl); unset means the request's own. */
  publicBaseUrl?: string;
  /**
   * An online XYZ raster basemap drawn under the portal's own layers, e.g.
   * "https://tiles.example.org/{z}/{x}/{y}.png". Off (unset) by default: the map then needs no
   * outside service. When set, its origin is allowed in the map page's CSP for images and fetches.
   */
  mapOnlineBasemapUrl?: string;
};

export function mapRoutes(options: MapRoutesOptions): Router {
  const router = Router();
  const { provinces } = options.search;
  const onlineOrigin = options.mapOnlineBasemapUrl ? basemapOrigin(options.mapOnlineBasemapUrl) : undefined;
  const origin = (req: Request) => options.publicBaseUrl ?? `${req.protocol}://${req.get('host')}`;
  const assets = mapAssets();

  router.get('/ban-do', (req, res) => {
    const locale = localeOf(res);
    if (onlineOrigin) {
      const policy = res.getHeader('Content-Security-Policy');
      if (typeof policy === 'string') res.setHeader('Content-Security-Policy', allowOrigin(policy, onlineOrigin, ['img-src', 'connect-src']));
    }
    // Without JavaScript the page is a search form for /tim-kiem, filled in from the URL.
    const { values, provinceOptions, unitOptions, hasPhotoChecked } = searchPageView({
      locale,
      values: formValues(withoutEmptyValues(req.query as Record<string, unknown>)),
      provinces,
      result: null,
    });
    sendPage(req, res, 'map', {
      title: translate(locale, 'map.title'),
      canonicalUrl: options.publicBaseUrl ? `${options.publicBaseUrl}/ban-do` : undefined,
      values,
      provinceOptions,
      unitOptions,
      hasPhotoChecked,
      filtersOpen: Boolean(values.province || values.birthYear || values.deathYear || values.unit || hasPhotoChecked),
      ...mapPageContext({ locale, provinces, onlineBasemap: Boolean(onlineOrigin), assets }),
    });
  });

  router.get('/ban-do/style.json', (req, res) => {
    res.set('Cache-Control', 'public, max-age=300').json(mapStyle(origin(req), options.mapOnlineBasemapUrl));
  });

  router.get('/tim-kiem', async (req, res) => {
    const locale = localeOf(res);
    const raw = withoutEmptyValues(req.query as Record<string, unknown>);
    const values = formValues(raw);
    let result: SearchResponse | null = null;
    let error: string | undefined;
    if (hasCriteria(raw)) {
      try {
        const request = parseParams(searchPageSchema, raw);
        // The form shows how many results each province and unit would give: facets wanted.
        result = await search(options.search, { ...request, perPage: SEARCH_PAGE_SIZE, facets: true });
      } catch (failure) {
        // A wrong filter is the person's to fix: the form again, with what was wrong (status 400).
        if (!(failure instanceof BadRequestError)) throw failure;
        error = translate(locale, 'search.badRequest', { details: failure.message });
      }
    }
    // Result lists change with every record; they are for people, not for search engines.
    res.set('X-Robots-Tag', 'noindex');
    sendPage(
      req,
      res,
      'search-results',
      {
        title: values.q ? translate(locale, 'search.titleFor', { q: values.q }) : translate(locale, 'search.title'),
        ...searchPageView({ locale, values, provinces, result, error }),
      },
      error ? 400 : 200,
    );
  });

  return router;
}
