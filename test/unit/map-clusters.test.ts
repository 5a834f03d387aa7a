/** Count bubbles on the map: merged until none touch, counts kept, nothing lost. */
import { describe, expect, it } from 'vitest';
import { BUBBLE_GAP, bubbleAt, mergeBubbles, type CountPoint } from '../../web/src/map/clusters.js';

const radius = (total: number) => 8 + Math.sqrt(total) / 4;

const at = (key: string, x: number, y: number, total: number, unidentified = 0): CountPoint => ({ key, level: 'province', name: key, total, unidentified, x, y, lngLat: [x / 100, y / 100] });

function touching(bubbles: ReturnType<typeof mergeBubbles>): string[] {
  const out: string[] = [];
  for (let i = 0; i < bubbles.length; i++)
    for (let j = i + 1; j < bubbles.length; j++) {
      const [a, b] = [bubbles[i]!, bubbles[j]!];
      if (Math.hypot(a.x - b.x, a.y - b.y) < a.r + b.r + BUBBLE_GAP) out.push(`${a.members[0]!.key} × ${b.members[0]!.key}`);
    }
  return out;
}

describe('mergeBubbles', () => {
  it('leaves bubbles that are far apart as they are', () => {
    const bubbles = mergeBubbles([at('Hà Nội', 0, 0, 100), at('Huế', 200, 0, 50)], radius);
    expect(bubbles.map((b) => [b.members.map((m) => m.key), b.total, b.x])).toEqual([[['Hà Nội'], 100, 0], [['Huế'], 50, 200]]);
  });

  it('merges two that would overlap into one with the sum, nearer the larger', () => {
    const [one, ...rest] = mergeBubbles([at('Hà Nội', 0, 0, 300, 10), at('Hưng Yên', 10, 0, 100, 5)], radius);
    expect(rest).toEqual([]);
    expect(one).toMatchObject({ total: 400, unidentified: 15, r: radius(400) });
    expect(one!.members.map((m) => m.key)).toEqual(['Hà Nội', 'Hưng Yên']);
    expect(one!.x).toBeCloseTo(2.5);
  });

  it('merges a dense delta until no two bubbles touch, keeping every grave counted', () => {
    // 40 places a few pixels apart, as the Red River delta's provinces are at a national zoom.
    const points = Array.from({ length: 40 }, (_, i) => at(`p${i}`, (i % 8) * 9, Math.floor(i / 8) * 9, 50 + i * 7));
    const far = at('Cà Mau', 900, 900, 20);
    const bubbles = mergeBubbles([...points, far], radius);
    expect(touching(bubbles)).toEqual([]);
    expect(bubbles.reduce((sum, b) => sum + b.total, 0)).toBe([...points, far].reduce((sum, p) => sum + p.total, 0));
    expect(bubbles.flatMap((b) => b.members).length).toBe(41);
    expect(bubbles.find((b) => b.members.some((m) => m.key === 'Cà Mau'))!.members).toHaveLength(1);
  });

  it('finds the bubble under a point, and none beside it', () => {
    const bubbles = mergeBubbles([at('Huế', 100, 100, 64)], radius);
    expect(bubbleAt(bubbles, 105, 100)?.members[0]!.key).toBe('Huế');
    expect(bubbleAt(bubbles, 100 + radius(64) + 1, 100)).toBeUndefined();
  });
});

describe('mergeBubbles on a crowded view', () => {
  it('settles 2,000 grid cells spread over a screen with none touching and every grave counted', () => {
    const points = Array.from({ length: 2000 }, (_, i) => at(`c${i}`, (i * 37) % 1280, (i * 53) % 800, 1 + (i % 90)));
    const bubbles = mergeBubbles(points, radius);
    expect(touching(bubbles)).toEqual([]);
    expect(bubbles.reduce((sum, b) => sum + b.total, 0)).toBe(points.reduce((sum, p) => sum + p.total, 0));
  });
});
