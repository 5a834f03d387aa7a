/** A row's problem in plain words, in the page's language (web/messages/<locale>/imports.json). */
import { translate, type Locale } from '../i18n/messages.js';

export function problemText(locale: Locale, issue: { column: string | null; value: string | null; reason: string; details?: unknown }): string {
  const details = (issue.details ?? {}) as Record<string, unknown>;
  const text = translate(locale, `imports.problem.${issue.reason}`, { column: issue.column ?? '', value: issue.value ?? '', row: details.row ?? '' });
  return issue.column ? `${issue.column}: ${text}` : text;
}
