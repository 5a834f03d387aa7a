import type { Request, Response } from 'express';
import { renderPage } from '../views/engine.js';
import { langSwitchUrl, localeOf } from './locale.js';

/** Renders a server page with what every page needs (language, switch link) filled in. */
export function sendPage(req: Request, res: Response, name: string, context: { title: string; [key: string]: unknown }, status = 200): void {
  const locale = localeOf(res);
  const html = renderPage(name, {
    ...context,
    locale,
    currentPath: req.originalUrl,
    langSwitchUrl: langSwitchUrl(req, locale),
    // Signed-in staff see their menu and forms carry their CSRF token.
    staff: res.locals.staff,
    portal: req.app.locals.portal,
  });
  res.status(status).type('html').send(html);
}

/** JSON for API paths and clients that ask for it; a page otherwise. */
export function wantsJson(req: Request): boolean {
  if (req.path.startsWith('/api/') || req.path.startsWith('/tiles/') || req.path === '/healthz' || req.path === '/readyz') return true;
  return req.accepts(['html', 'json']) === 'json';
}
