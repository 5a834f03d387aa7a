/** Sign-in, sign-out, own password, and one-time reset links (the staff area's doors). */
import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import type { Config } from '../config.js';
import type { Db } from '../db/knex.js';
import { translate } from '../i18n/messages.js';
import { formBodyOnly } from '../http/form-body.js';
import { localeOf } from '../http/locale.js';
import { sendPage } from '../http/render.js';
import { clientIp, requireStaff, SESSION_COOKIE, sessionCookieOptions } from './auth.middleware.js';
import { MIN_PASSWORD_LENGTH } from './passwords.js';
import { revokeAllSessions, revokeSession } from './sessions.queries.js';
import { beginSignIn, signInSucceeded } from './throttle.js';
import { newToken, sameToken } from './tokens.js';
import { changePassword, PasswordRejected, ResetLinkInvalid, resetLinkIsValid, resetPassword, signIn, WrongPassword } from './users.service.js';

/** Before sign-in there is no session: the sign-in form is protected by a double-submit cookie. */
const SIGN_IN_CSRF_COOKIE = 'mls_signin_csrf';

const signInForm = z.object({ identifier: z.string().trim().min(1).max(200), password: z.string().min(1).max(1024), _csrf: z.string().max(100).optional(), next: z.string().max(500).optional() });

/** Only paths inside the staff area are followed after sign-in (no open redirect). */
function safeNext(value: unknown): string {
  return typeof value === 'string' && /^\/quan-ly(\/[\w\-/?=&%.]*)?$/.test(value) ? value : '/quan-ly';
}

export function accountRoutes(db: Db, config: Config): Router {
  const router = Router();

  const showSignIn = (req: Request, res: Response, extra: Record<string, unknown> = {}, status = 200) => {
    const token = newToken(18);
    res.cookie(SIGN_IN_CSRF_COOKIE, token, { httpOnly: true, sameSite: 'strict', secure: req.secure, path: '/quan-ly', maxAge: 3600_000 });
    sendPage(req, res, 'staff/sign-in', { title: translate(localeOf(res), 'staff.signIn.title'), csrf: token, next: safeNext(req.query.next ?? extra.next), ...extra }, status);
  };

  router.get('/quan-ly/dang-nhap', (req, res) => {
    if (req.staff) return res.redirect(303, safeNext(req.query.next));
    showSignIn(req, res);
  });

  router.post('/quan-ly/dang-nhap', formBodyOnly, async (req, res) => {
    const parsed = signInForm.safeParse(req.body);
    const locale = localeOf(res);
    if (!parsed.success) return showSignIn(req, res, { error: translate(locale, 'staff.signIn.missing') }, 400);
    const { identifier, password, next } = parsed.data;
    if (!sameToken(parsed.data._csrf, req.cookies?.[SIGN_IN_CSRF_COOKIE])) {
      return showSignIn(req, res, { identifier, error: translate(locale, 'staff.signIn.expired') }, 403);
    }
    const ip = clientIp(req);
    const attempt = await beginSignIn(db, identifier.toLowerCase(), ip);
    if (!attempt.ok) {
      res.set('Retry-After', String(attempt.retryAfterSeconds));
      return showSignIn(req, res, { identifier, error: translate(locale, 'staff.signIn.throttled', { minutes: Math.ceil(attempt.retryAfterSeconds / 60) }) }, 429);
    }
    const result = await signIn(db, identifier, password, config.session, ip, req.get('user-agent') ?? null);
    if (!result.ok) {
      // The same words whether the account exists, is disabled, or the password is wrong.
      return showSignIn(req, res, { identifier, next, error: translate(locale, 'staff.signIn.failed') }, 401);
    }
    await signInSucceeded(db, attempt);
    res.clearCookie(SIGN_IN_CSRF_COOKIE, { path: '/quan-ly' });
    res.cookie(SESSION_COOKIE, result.token, sessionCookieOptions(req));
    res.redirect(303, safeNext(next));
  });

  router.post('/quan-ly/dang-xuat', requireStaff(), formBodyOnly, async (req, res) => {
    const staff = req.staff!;
    if (req.body?.everywhere === '1') await revokeAllSessions(db, staff.session.userId);
    else await revokeSession(db, staff.session.idHash);
    res.clearCookie(SESSION_COOKIE, sessionCookieOptions(req));
    res.redirect(303, '/quan-ly/dang-nhap');
  });

  const passwordPage = (req: Request, res: Response, extra: Record<string, unknown> = {}, status = 200) =>
    sendPage(req, res, 'staff/password', { title: translate(localeOf(res), 'staff.password.title'), minLength: MIN_PASSWORD_LENGTH, ...extra }, status);

  router.get('/quan-ly/mat-khau', requireStaff(), (req, res) => passwordPage(req, res));

  router.post('/quan-ly/mat-khau', requireStaff(), formBodyOnly, async (req, res) => {
    const body = z.object({ current: z.string().max(1024), password: z.string().max(1024), confirm: z.string().max(1024) }).safeParse(req.body);
    const locale = localeOf(res);
    if (!body.success || body.data.password !== body.data.confirm) return passwordPage(req, res, { error: translate(locale, 'staff.password.mismatch') }, 400);
    try {
      await changePassword(db, { userId: req.staff!.session.userId, ip: clientIp(req) }, body.data.current, body.data.password);
    } catch (error) {
      if (error instanceof PasswordRejected) return passwordPage(req, res, { error: translate(locale, `staff.password.${error.problem}`, { min: MIN_PASSWORD_LENGTH }) }, 400);
      if (error instanceof WrongPassword) return passwordPage(req, res, { error: translate(locale, 'staff.password.wrong') }, 400);
      throw error;
    }
    // The change ended every session, this one included: sign in again with the new password.
    res.clearCookie(SESSION_COOKIE, sessionCookieOptions(req));
    res.redirect(303, '/quan-ly/dang-nhap?changed=1');
  });

  const resetPage = (req: Request, res: Response, extra: Record<string, unknown>, status = 200) =>
    sendPage(req, res, 'staff/reset', { title: translate(localeOf(res), 'staff.reset.title'), minLength: MIN_PASSWORD_LENGTH, token: req.params.token, ...extra }, status);

  router.get('/quan-ly/dat-lai-mat-khau/:token', async (req, res) => {
    const valid = await resetLinkIsValid(db, String(req.params.token));
    resetPage(req, res, { invalid: !valid }, valid ? 200 : 410);
  });

  router.post('/quan-ly/dat-lai-mat-khau/:token', formBodyOnly, async (req, res) => {
    const body = z.object({ password: z.string().max(1024), confirm: z.string().max(1024) }).safeParse(req.body);
    const locale = localeOf(res);
    if (!body.success || body.data.password !== body.data.confirm) return resetPage(req, res, { error: translate(locale, 'staff.password.mismatch') }, 400);
    try {
      await resetPassword(db, String(req.params.token), body.data.password, clientIp(req));
    } catch (error) {
      if (error instanceof PasswordRejected) return resetPage(req, res, { error: translate(locale, `staff.password.${error.problem}`, { min: MIN_PASSWORD_LENGTH }) }, 400);
      if (error instanceof ResetLinkInvalid) return resetPage(req, res, { invalid: true }, 410);
      throw error;
    }
    res.redirect(303, '/quan-ly/dang-nhap?changed=1');
  });

  return router;
}
