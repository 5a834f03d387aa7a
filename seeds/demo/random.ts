/**
 * Seeded randomness for the demo generator. Every concern (names, dates, hometowns...) draws from
 * its own stream, seeded with `${seed}:${concern}`, so that a change in how one concern draws does
 * not reshuffle the others.
 */
import seedrandom from 'seedrandom';

export type Rng = {
  /** A float in [0, 1). */
  next(): number;
  /** An integer in [min, max], both included. */
  int(min: number, max: number): number;
  chance(probability: number): boolean;
  pick<T>(items: readonly T[]): T;
};

export function createRng(seed: string, concern: string): Rng {
  // Alea: fast, and the same sequence on every platform for a given seed string.
  const prng = seedrandom.alea(`${seed}:${concern}`);
  const next = () => prng();
  return {
    next,
    int: (min, max) => min + Math.floor(next() * (max - min + 1)),
    chance: (probability) => next() < probability,
    pick<T>(items: readonly T[]): T {
      if (items.length === 0) throw new Error('pick from an empty list');
      return items[Math.floor(next() * items.length)] as T;
    },
  };
}

/** A 31-bit integer from a string, for seeds handed to code outside the streams. */
export function hashSeed(text: string): number {
  let h = 2166136261;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 16777619);
  }
  return (h >>> 1) || 1;
}

/** Draws items in proportion to their weights (cumulative table, binary search). */
export class Weighted<T> {
  private readonly items: T[] = [];
  private readonly cumulative: number[] = [];
  private total = 0;

  constructor(entries: Iterable<readonly [T, number]>) {
    for (const [item, weight] of entries) {
      if (!(weight > 0)) continue;
      this.total += weight;
      this.items.push(item);
      this.cumulative.push(this.total);
    }
    if (this.items.length === 0) throw new Error('a weighted table needs at least one positive weight');
  }

  static of<T>(record: Record<string, number>, map: (key: string) => T): Weighted<T> {
    return new Weighted(Object.entries(record).map(([key, weight]) => [map(key), weight] as const));
  }

  get size(): number {
    return this.items.length;
  }

  draw(rng: Rng): T {
    const target = rng.next() * this.total;
    let lo = 0;
    let hi = this.cumulative.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((this.cumulative[mid] as number) > target) hi = mid;
      else lo = mid + 1;
    }
    return this.items[lo] as T;
  }
}

/** Integer weights written as { "1968": 14, ... } → a table of numbers. */
export function numberTable(record: Record<string | number, number>): Weighted<number> {
  return new Weighted(Object.entries(record).map(([key, weight]) => [Number(key), weight] as const));
}
