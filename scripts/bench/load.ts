/**
 * Closed-loop load: `concurrency` async clients share one list, each taking the next item as soon
 * as its previous request is answered. Node's fetch (undici) keeps connections alive, so each
 * client reuses its connection. Latency is from just before the request to the last byte of the
 * body (performance.now()).
 */

export type Outcome = {
  ok: boolean;
  /** The body, read in full; inspected after the clock stops. */
  body?: Buffer;
  status?: number;
  error?: string;
};

export type Sample = { index: number; ms: number; outcome: Outcome };

export type LoadResult = { samples: Sample[]; wallMs: number };

const REQUEST_TIMEOUT_MS = 30_000;

/** One HTTP request, body read in full; never throws. */
export async function timedFetch(url: string, init: RequestInit = {}): Promise<{ ms: number; outcome: Outcome }> {
  const started = performance.now();
  try {
    const response = await fetch(url, { ...init, signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
    const body = Buffer.from(await response.arrayBuffer());
    const ms = performance.now() - started;
    return { ms, outcome: response.ok ? { ok: true, body, status: response.status } : { ok: false, body, status: response.status, error: `HTTP ${response.status}` } };
  } catch (error) {
    return { ms: performance.now() - started, outcome: { ok: false, error: error instanceof Error ? `${error.name}: ${error.message}` : String(error) } };
  }
}

export async function runLoad<T>(items: readonly T[], concurrency: number, send: (item: T) => Promise<{ ms: number; outcome: Outcome }>): Promise<LoadResult> {
  const samples: Sample[] = new Array(items.length);
  let next = 0;
  const started = performance.now();
  const client = async () => {
    for (;;) {
      const index = next++;
      if (index >= items.length) return;
      const { ms, outcome } = await send(items[index]!);
      samples[index] = { index, ms, outcome };
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, concurrency) }, client));
  return { samples, wallMs: performance.now() - started };
}
