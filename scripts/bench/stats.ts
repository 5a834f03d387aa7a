/**
 * Latency statistics for the benchmarks: percentiles by the nearest-rank method (the value below
 * which p% of the requests fall, always a latency that was actually measured), mean, throughput.
 */

export type LatencySummary = {
  /** Requests measured (successful and failed). */
  n: number;
  errors: number;
  /** Milliseconds, over the successful requests. */
  p50: number;
  p95: number;
  p99: number;
  mean: number;
  max: number;
  /** Requests per second over the phase's wall time. */
  throughput: number;
  wallMs: number;
};

/** Nearest-rank percentile of an ascending array; NaN when empty. */
export function percentile(sorted: readonly number[], p: number): number {
  if (!sorted.length) return Number.NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!;
}

export const round = (value: number, digits = 2): number => {
  if (!Number.isFinite(value)) return value;
  const f = 10 ** digits;
  return Math.round(value * f) / f;
};

export function summarize(latencies: readonly number[], errors: number, wallMs: number): LatencySummary {
  const sorted = [...latencies].sort((a, b) => a - b);
  const n = sorted.length + errors;
  const mean = sorted.length ? sorted.reduce((a, b) => a + b, 0) / sorted.length : Number.NaN;
  return {
    n,
    errors,
    p50: round(percentile(sorted, 50)),
    p95: round(percentile(sorted, 95)),
    p99: round(percentile(sorted, 99)),
    mean: round(mean),
    max: round(sorted[sorted.length - 1] ?? Number.NaN),
    throughput: round(wallMs > 0 ? (n / wallMs) * 1000 : Number.NaN, 1),
    wallMs: Math.round(wallMs),
  };
}

/** a / b rounded, or null when either is missing. */
export function ratio(a: number, b: number): number | null {
  return Number.isFinite(a) && Number.isFinite(b) && b > 0 ? round(a / b) : null;
}
