/**
 * /api/openapi.json: the OpenAPI 3.1 document of /api; /api/docs: the same document as a page,
 * rendered on the server (no script, no outside CDN).
 */
import { Router } from 'express';
import type { Config } from '../config.js';
import { localeOf } from '../http/locale.js';
import { sendPage } from '../http/render.js';
import { translate } from '../i18n/messages.js';
import { apiDocument } from './api-document.js';

type Operation = { summary?: string; description?: string; parameters?: { name: string; in: string; required?: boolean; description?: string; schema?: unknown }[]; responses?: Record<string, { description?: string }> };

function docsView(doc: ReturnType<typeof apiDocument>) {
  const paths = Object.entries(doc.paths ?? {}).flatMap(([path, item]) =>
    Object.entries(item as Record<string, Operation>).map(([method, op]) => ({
      method: method.toUpperCase(),
      path,
      anchor: `${method}-${path.replace(/[^a-z0-9]+/gi, '-')}`,
      summary: op.summary,
      description: op.description,
      parameters: (op.parameters ?? []).map((p) => ({ name: p.name, in: p.in, required: Boolean(p.required), description: p.description, schema: JSON.stringify(p.schema) })),
      responses: Object.entries(op.responses ?? {}).map(([status, r]) => ({ status, description: r.description })),
    })),
  );
  return { paths, schemas: Object.entries(doc.components?.schemas ?? {}).map(([name, schema]) => ({ name, json: JSON.stringify(schema, null, 2) })) };
}

export function openApiRoutes(config: Config): Router {
  const router = Router();
  const baseOf = (host: string | undefined, protocol: string) => config.publicBaseUrl ?? `${protocol}://${host ?? 'localhost'}`;

  router.get('/api/openapi.json', (req, res) => {
    res.set('Cache-Control', 'public, max-age=3600').json(apiDocument(baseOf(req.get('host'), req.protocol), config.openData.licence));
  });

  router.get('/api/docs', (req, res) => {
    const doc = apiDocument(baseOf(req.get('host'), req.protocol), config.openData.licence);
    // Under /api, errors answer JSON; this one page is HTML.
    sendPage(req, res, 'api-docs', { title: translate(localeOf(res), 'apidocs.title'), info: doc.info, ...docsView(doc) });
  });

  return router;
}
