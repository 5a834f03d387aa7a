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
  let bubbles: Bubble[] = [...points]
    .sort((a, b) => b.total - a.total)
    .map((p) => ({ members: [p], level: p.level, total: p.total, unidentified: p.unidentified, x: p.x, y: p.y, r: radius(p.total), lngLat: p.lngLat }));
  // Each merge removes a bubble, so this ends; a merged bubble is larger and moved, so it is checked again.
  for (let changed = true; changed; ) {
    changed = false;
    outer: for (let i = 0; i < bubbles.length; i++) {
      for (let j = i + 1; j < bubbles.length; j++) {
        if (!touch(bubbles[i]!, bubbles[j]!)) continue;
        const next = merged(bubbles[i]!, bubbles[j]!, radius);
        bubbles = [...bubbles.slice(0, i), next, ...bubbles.slice(i + 1, j), ...bubbles.slice(j + 1)];
        changed = true;
        break outer;
      }
    }
  }
  return bubbles;
}

/** The bubble under a screen point, if any. */
export function bubbleAt(bubbles: Bubble[], x: number, y: number): Bubble | undefined {
  return bubbles.find((b) => Math.hypot(b.x - x, b.y - y) <= b.r);
}
