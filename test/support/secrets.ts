/** The privacy matrices' one check: a public answer carries none of the secrets, nor a confidential record's slug. */
import { expect } from 'vitest';

export function secretChecker(secrets: readonly string[], slugs: readonly string[] = []) {
  return (where: string, body: unknown): void => {
    const text = typeof body === 'string' ? body : JSON.stringify(body);
    for (const secret of secrets) expect(text, `${where} shows "${secret}"`).not.toContain(secret);
    for (const slug of slugs) expect(text, `${where} links "${slug}"`).not.toContain(slug);
  };
}
