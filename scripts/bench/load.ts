/**
 * Closed-loop load: `concurrency` async clients share one list, each taking the next item as soon
 * as its previous request is answered. Requests go through undici's `request` on one keep-alive
 * agent, so each client reuses its connection; not through `fetch`, whose web streams cost twice
 * the CPU per request, taken from the server and Meilisearch on the same two cores. Latency is from
 * just before the request to the last byte of the body (performance.now()). Bodies are kept as
 * they arrived (compressed if the server compressed them) and decoded only when inspected, after
 * the clock stops.
 */
import zlib from 'node:zlib';
import { Agent, request } from 'undici';

export type Outcome = {
  ok: boolean;
  /** The body as it arrived, read in full; inspected (through decodedBody) after the clock stops. */
  body?: Buffer;
  /** Its Content-Encoding, if any. */
  encoding?: string;
  status?: number;
  error?: string;
  /** The Server-Timing header, when the server sent one (the API's engine time and calls). */
  serverTiming?: string;
  /** Engine calls a direct phase made for this request (the API says it in Server-Timing). */
  calls?: number;
};

export type Sample = { index: number; ms: number; outcome: Outcome };

export type LoadResult = { samples: Sample[]; wallMs: number };

const REQUEST_TIMEOUT_MS = 30_000;
/** What a browser asks for: the server's compression is part of what is measured. */
const BROWSER_ENCODINGS = 'gzip, deflate, br';
const agent = new Agent({ keepAliveTimeout: 30_000, connections: 64 });

export type TimedRequest = { method?: 'GET' | 'POST'; headers?: Record<string, string>; body?: string };

/** One HTTP request, body read in full; never throws. */
export async function timedRequest(url: string, init: TimedRequest = {}): Promise<{ ms: number; outcome: Outcome }> {
  const started = performance.now();
  try {
    const response = await request(url, {
      method: init.method ?? 'GET',
      headers: { 'accept-encoding': BROWSER_ENCODINGS, ...Object.fromEntries(Object.entries(init.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v])) },
      body: init.body,
      dispatcher: agent,
      headersTimeout: REQUEST_TIMEOUT_MS,
      bodyTimeout: REQUEST_TIMEOUT_MS,
    });
    const body = Buffer.from(await response.body.arrayBuffer());
    const ms = performance.now() - started;
    const encoding = typeof response.headers['content-encoding'] === 'string' ? response.headers['content-encoding'] : undefined;
    const ok = response.statusCode >= 200 && response.statusCode < 300;
    const timing = response.headers['server-timing'];
    const serverTiming = typeof timing === 'string' ? timing : undefined;
    return { ms, outcome: { ok, body, encoding, status: response.statusCode, ...(serverTiming ? { serverTiming } : {}), ...(ok ? {} : { error: `HTTP ${response.statusCode}` }) } };
  } catch (error) {
    return { ms: performance.now() - started, outcome: { ok: false, error: error instanceof Error ? `${error.name}: ${error.message}` : String(error) } };
  }
}

/** The body of an outcome, decompressed. */
export function decodedBody(outcome: Outcome): Buffer {
  const body = outcome.body ?? Buffer.alloc(0);
  switch (outcome.encoding) {
    case 'gzip':
      return zlib.gunzipSync(body);
    case 'br':
      return zlib.brotliDecompressSync(body);
    case 'deflate':
      return zlib.inflateSync(body);
    default:
      return body;
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
