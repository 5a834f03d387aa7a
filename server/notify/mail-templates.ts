/**
 * The portal's messages, Vietnamese or English as the follower chose, as plain text and HTML.
 * Rendered once, when the message is queued, and stored: every attempt sends the same bytes under
 * the same Message-ID. They name only what the follower followed (its public label) and what kind
 * of change happened, never who made it or anything the public pages do not show.
 */
import { randomUUID } from 'node:crypto';
import { translate, type Locale } from '../i18n/messages.js';
import { localDateTime } from '../views/local-time.js';
import type { EventRow, FollowRow, NewMail } from './notify.queries.js';

export type MailSite = { baseUrl: string; from: string };

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/** The domain of the sender's address, for Message-IDs. */
export function mailDomain(from: string): string {
  const address = /<([^>]+)>/.exec(from)?.[1] ?? from;
  return address.split('@')[1]?.trim() || 'localhost';
}

export const newMessageId = (from: string) => `<${randomUUID()}@${mailDomain(from)}>`;

export const unsubscribeUrl = (site: MailSite, follow: Pick<FollowRow, 'unsubscribe_token'>) => `${site.baseUrl}/huy-theo-doi/${follow.unsubscribe_token}`;
export const confirmUrl = (site: MailSite, follow: Pick<FollowRow, 'confirm_token'>) => `${site.baseUrl}/theo-doi-thu/xac-nhan/${follow.confirm_token}`;

type Block = { text: string; link?: string };

function compose(locale: Locale, site: MailSite, follow: FollowRow, subject: string, blocks: Block[], withUnsubscribe: boolean) {
  const t = (key: string, params?: Record<string, unknown>) => translate(locale, key, params);
  const all: Block[] = [{ text: t('notify.mail.greeting') }, ...blocks];
  if (withUnsubscribe) all.push({ text: t('notify.mail.unsubscribe'), link: unsubscribeUrl(site, follow) });
  all.push({ text: `— ${t('notify.mail.footer')}` });
  const text = all.map((b) => (b.link ? `${b.text}\n${b.link}` : b.text)).join('\n\n') + '\n';
  const html = `<!doctype html><html lang="${locale}"><head><meta charset="utf-8"><title>${escapeHtml(subject)}</title></head><body>`
    + all.map((b) => `<p>${escapeHtml(b.text)}${b.link ? `<br><a href="${escapeHtml(b.link)}">${escapeHtml(b.link)}</a>` : ''}</p>`).join('')
    + '</body></html>';
  return { subject, text, html };
}

/** The one line a change reads as, in the follower's language. */
export function eventLine(locale: Locale, event: Pick<EventRow, 'kind' | 'details' | 'created_at'>): string {
  const d = event.details ?? {};
  const parts = [translate(locale, `notify.event.${event.kind}`)];
  if (event.kind === 'new_record' && typeof d.name === 'string') parts.push(translate(locale, 'notify.event.newRecordNamed', { name: d.name }));
  if (event.kind === 'submission_update' && typeof d.status === 'string') parts.push(translate(locale, 'notify.event.status', { status: translate(locale, `track.status.${d.status}`) }));
  return `${parts.join(' — ')} (${localDateTime(event.created_at)})`;
}

const eventLink = (site: MailSite, follow: FollowRow, event: Pick<EventRow, 'details'>) =>
  `${site.baseUrl}${typeof event.details?.path === 'string' && event.details.path.startsWith('/') ? event.details.path : follow.target_path}`;

export function confirmMail(site: MailSite, follow: FollowRow): NewMail {
  const locale = follow.locale;
  const t = (key: string, params?: Record<string, unknown>) => translate(locale, key, params);
  const m = compose(locale, site, follow, t('notify.mail.confirm.subject', { label: follow.label }), [
    { text: t('notify.mail.confirm.lead', { label: follow.label }) },
    { text: t('notify.mail.confirm.action', { cadence: t(`notify.cadence.${follow.cadence}`) }), link: confirmUrl(site, follow) },
    { text: t('notify.mail.confirm.ignore') },
  ], false);
  // No unsubscribe header on the opt-in itself: ignoring it is the way out.
  return { follow_id: follow.id, kind: 'confirm', message_id: newMessageId(site.from), subject: m.subject, text_body: m.text, html_body: m.html, unsubscribe_url: null };
}

export function noticeMail(site: MailSite, follow: FollowRow, event: EventRow): NewMail {
  const locale = follow.locale;
  const m = compose(locale, site, follow, translate(locale, 'notify.mail.notice.subject', { event: translate(locale, `notify.event.${event.kind}`), label: follow.label }), [
    { text: eventLine(locale, event) },
    { text: translate(locale, 'notify.mail.see'), link: eventLink(site, follow, event) },
  ], true);
  return { follow_id: follow.id, kind: 'notice', message_id: newMessageId(site.from), subject: m.subject, text_body: m.text, html_body: m.html, unsubscribe_url: unsubscribeUrl(site, follow) };
}

export function digestMail(site: MailSite, follow: FollowRow, events: EventRow[]): NewMail {
  const locale = follow.locale;
  const m = compose(locale, site, follow, translate(locale, 'notify.mail.digest.subject', { label: follow.label }), [
    { text: translate(locale, 'notify.mail.digest.lead', { label: follow.label }) },
    ...events.map((e) => ({ text: `• ${eventLine(locale, e)}`, link: eventLink(site, follow, e) })),
  ], true);
  return { follow_id: follow.id, kind: 'digest', message_id: newMessageId(site.from), subject: m.subject, text_body: m.text, html_body: m.html, unsubscribe_url: unsubscribeUrl(site, follow) };
}
