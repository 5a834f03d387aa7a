import { Meilisearch } from 'meilisearch';

export type { Meilisearch };

/** The one place a Meilisearch client is made; requests time out rather than hang a page. */
export function createMeiliClient(url: string, apiKey: string | undefined, timeoutMs = 5000): Meilisearch {
  return new Meilisearch({ host: url, apiKey, timeout: timeoutMs });
}
