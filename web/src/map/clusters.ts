/**
 * Count bubbles that never overlap. The tiles give one count per province, cemetery or grid cell,
 * placed where the place is; at a national zoom the provinces of the Red River delta sit a few
 * pixels apart, so their bubbles would pile up. Here bubbles closer than their radii are merged
 * into one (counts summed, placed at the count-weighted middle) until none touch: pure, in
 * screen pixels, so it can be tested without a map.
 */

export type CountPoint = {
  key: string;
  level: string;
  name: string | null;
  total: number;
  unidentified: number;
  /** Screen position, pixels from the map's top left. */
  x: number;
  y: number;
  lngLat: [number, number];
};

export type Bubble = {
  /** The places it counts, largest first. */
  members: CountPoint[];
  level: string;
  total: number;
  unidentified: number;
  x: number;
  y: number;
  r: number;
  lngLat: [number, number];
};

/** Pixels kept free between two bubbles. */
export const BUBBLE_GAP = 3;

function merged(a: Bubble, b: Bubble, radius: (total: number) => number): Bubble {
  const total = a.total + b.total;
  // Weighted by count (each at least 1), so a merged bubble leans towards where most graves are.
  const [wa, wb] = [Math.max(a.total, 1), Math.max(b.total, 1)];
  const mix = (p: number, q: number) => (p * wa + q * wb) / (wa + wb);
  return {
    members: [...a.members, ...b.members].sort((p, q) => q.total - p.total),
    level: a.level === b.level ? a.level : 'mixed',
    total,
    unidentified: a.unidentified + b.unidentified,
    x: mix(a.x, b.x),
    y: mix(a.y, b.y),
    r: radius(total),
    lngLat: [mix(a.lngLat[0], b.lngLat[0]), mix(a.lngLat[1], b.lngLat[1])],
  };
}

const touch = (a: Bubble, b: Bubble) => Math.hypot(a.x - b.x, a.y - b.y) < a.r + b.r + BUBBLE_GAP;

/**
 * Bubbles for `points`, none within BUBBLE_GAP of another. `radius` gives a bubble's radius in
 * pixels for a count (it must grow with the count: a merge never shrinks a bubble).
 */
export function mergeBubbles(points: CountPoint[], radius: (total: number) => number): Bubble[] {
  const bubbles: Bubble[] = [...points]
    .sort((a, b) => b.total - a.total)
    .map((p) => ({ members: [p], level: p.level, total: p.total, unidentified: p.unidentified, x: p.x, y: p.y, r: radius(p.total), lngLat: p.lngLat }));
  // Bubble i takes in whatever it touches until it touches nothing; only bubble i ever grows, so a
  // bubble passed over touches none that remain. Each merge removes one: O(n²) in all.
  let i = 0;
  while (i < bubbles.length) {
    const j = bubbles.findIndex((other, k) => k !== i && touch(bubbles[i]!, other));
    if (j < 0) {
      i++;
      continue;
    }
    bubbles[i] = merged(bubbles[i]!, bubbles[j]!, radius);
    bubbles.splice(j, 1);
    if (j < i) i--;
  }
  return bubbles;
}

/** The bubble under a screen point, if any. */
export function bubbleAt(bubbles: Bubble[], x: number, y: number): Bubble | undefined {
  return bubbles.find((b) => Math.hypot(b.x - x, b.y - y) <= b.r);
}
