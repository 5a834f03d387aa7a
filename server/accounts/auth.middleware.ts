/**
 * Who is asking: the staff session from its cookie (accounts disabled since are refused), the
 * user's scope, and CSRF protection on every state-changing request that carries the session.
 */
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { Config } from '../config.js';
import type { Db } from '../db/knex.js';
import { AppError } from '../http/errors.js';
import { wantsJson } from '../http/render.js';
import { canReview, hasRole, scopeOf, type Role, type Scope } from './scope.js';
import { findSession, rolesOf, touchSession, type SessionUser } from './sessions.queries.js';
import { sameToken } from './tokens.js';

export const SESSION_COOKIE = 'mls_session';

export type StaffContext = { session: SessionUser; scope: Scope };

declare module 'express-serve-static-core' {
  interface Request {
    staff?: StaffContext;
  }
}

export function sessionCookieOptions(req: Request) {
  return { httpOnly: true, sameSite: 'lax' as const, secure: req.secure, path: '/' };
}

/** Attaches req.staff when the request carries a live session of an enabled account. */
export function loadStaff(db: Db, config: Config): RequestHandler {
  return async (req, res, next) => {
    const token: unknown = req.cookies?.[SESSION_COOKIE];
    if (typeof token === 'string' && token.length > 20) {
      const session = await findSession(db, token, config.session);
      if (session) {
        req.staff = { session, scope: scopeOf(await rolesOf(db, session.userId)) };
        res.locals.staff = { displayName: session.displayName, csrfToken: session.csrfToken, scope: req.staff.scope };
        await touchSession(db, session.idHash);
      } else {
        res.clearCookie(SESSION_COOKIE, sessionCookieOptions(req));
      }
    }
    next();
  };
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Every state-changing request made with a session must carry the session's CSRF token: in the
 * form field `_csrf`, the `X-CSRF-Token` header, or (for multipart forms) the `_csrf` query field.
 * A multipart body is not parsed yet here, so for it only the header or the query count: no
 * multipart POST gets past this step without a token, whatever route it is for (the upload forms
 * put the token in their action's query, where no other site can read it).
 */
export const requireCsrf: RequestHandler = (req, res, next) => {
  if (SAFE_METHODS.has(req.method) || !req.staff) return next();
  if (req.is('multipart/form-data')) {
    if (!sameToken(headerOrQueryToken(req), req.staff.session.csrfToken)) return next(csrfFailed());
    // Routes that take no multipart body read it as an empty form (a 4xx from their own checks, not
    // a 500 on an undefined body); the routes that parse one replace it.
    req.body ??= {};
    return next();
  }
  csrfCheck(req, res, next);
};

function headerOrQueryToken(req: Request): string | undefined {
  const given = req.get('X-CSRF-Token') ?? req.query?._csrf;
  return typeof given === 'string' ? given : undefined;
}

const csrfFailed = () => new AppError(403, 'csrf_failed', 'This form has expired or did not come from this site. Reload the page and try again.');

/** The check itself, for routes that parse their own body first (uploads). */
export const csrfCheck: RequestHandler = (req, _res, next) => {
  if (SAFE_METHODS.has(req.method) || !req.staff) return next();
  const field = (req.body as Record<string, unknown> | undefined)?._csrf;
  const given = typeof field === 'string' ? field : headerOrQueryToken(req);
  if (!sameToken(given, req.staff.session.csrfToken)) return next(csrfFailed());
  next();
};

/** Signed-in staff only: a page sends the browser to sign in, the API answers 401. */
export function requireStaff(...roles: Role[]): RequestHandler {
  return (req: Request, res: Response, next: NextFunction) => {
    if (!req.staff) {
      if (wantsJson(req) || req.method !== 'GET') return next(new AppError(401, 'sign_in_required', 'Sign in first.'));
      return res.redirect(303, `/quan-ly/dang-nhap?next=${encodeURIComponent(req.originalUrl)}`);
    }
    if (roles.length && !hasRole(req.staff.scope, ...roles)) return next(new AppError(403, 'forbidden', 'Your account does not have the role this needs.'));
    // Staff pages hold senders' contacts, confidential records and the CSRF token: no browser
    // or proxy cache keeps them (the back button after sign-out must not show them either).
    res.set('Cache-Control', 'no-store');
    next();
  };
}

export const requireReviewer: RequestHandler = (req, _res, next) => {
  if (!req.staff) return next(new AppError(401, 'sign_in_required', 'Sign in first.'));
  if (!canReview(req.staff.scope)) return next(new AppError(403, 'forbidden', 'Your account does not review submissions.'));
  next();
};

export function clientIp(req: Request): string | null {
  return req.ip ?? null;
}
