import type { NextFunction, Request, Response } from 'express';
import { DEFAULT_LOCALE, isLocale, type Locale } from '../i18n/messages.js';

const COOKIE = 'lang';
const ONE_YEAR_MS = 365 * 24 * 3600 * 1000;

/** The page language: ?lang= (remembered in a cookie), else the cookie, else Vietnamese. */
export function localeMiddleware(req: Request, res: Response, next: NextFunction): void {
  const asked = req.query.lang;
  let locale: Locale = DEFAULT_LOCALE;
  if (isLocale(asked)) {
    locale = asked;
    res.cookie(COOKIE, asked, { maxAge: ONE_YEAR_MS, sameSite: 'lax', httpOnly: false, secure: req.secure });
  } else {
    const remembered: unknown = req.cookies?.[COOKIE];
    if (isLocale(remembered)) locale = remembered;
  }
  res.locals.locale = locale;
  next();
}

export function localeOf(res: Response): Locale {
  return isLocale(res.locals.locale) ? res.locals.locale : DEFAULT_LOCALE;
}

/** The same page in the other language. */
export function langSwitchUrl(req: Request, locale: Locale): string {
  const url = new URL(req.originalUrl, 'http://local');
  url.searchParams.set('lang', locale === 'vi' ? 'en' : 'vi');
  return `${url.pathname}${url.search}`;
}
