/**
 * A small monthly line chart as inline SVG, drawn on the server: no script, prints as it shows, and
 * the same numbers sit beside it in a table for screen readers (the SVG itself is one labelled image).
 */

export type ChartPoint = { month: string; value: number | null };

const WIDTH = 320;
const HEIGHT = 120;
const PAD = { left: 58, right: 8, top: 10, bottom: 22 };

const escape = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** "2026-03-01" → "03/2026": months as Vietnam writes them. */
export const monthLabel = (month: string) => `${month.slice(5, 7)}/${month.slice(0, 4)}`;

/**
 * The chart's SVG. `format` writes an axis value; the y axis starts at 0 (a share or a count that
 * starts elsewhere exaggerates progress) and ends at the largest value (or 100 % for shares).
 */
export function trendSvg(points: ChartPoint[], options: { label: string; format: (v: number) => string; max?: number }): string {
  const values = points.map((p) => p.value).filter((v): v is number => v !== null);
  const top = Math.max(options.max ?? 0, ...values, 0) || 1;
  const x = (i: number) => PAD.left + (points.length <= 1 ? 0 : (i * (WIDTH - PAD.left - PAD.right)) / (points.length - 1));
  const y = (v: number) => PAD.top + (HEIGHT - PAD.top - PAD.bottom) * (1 - v / top);
  // A gap (no value) breaks the line rather than drawing it through zero.
  const segments: string[] = [];
  let current: string[] = [];
  points.forEach((p, i) => {
    if (p.value === null) {
      if (current.length) segments.push(current.join(' '));
      current = [];
    } else current.push(`${x(i).toFixed(1)},${y(p.value).toFixed(1)}`);
  });
  if (current.length) segments.push(current.join(' '));
  const lines = segments.map((s) => (s.includes(' ') ? `<polyline points="${s}" fill="none" stroke="#045a8d" stroke-width="2"/>` : `<circle cx="${s.split(',')[0]}" cy="${s.split(',')[1]}" r="2.5" fill="#045a8d"/>`));
  const last = points.length - 1;
  const lastPoint = last >= 0 && points[last]!.value !== null ? `<circle cx="${x(last).toFixed(1)}" cy="${y(points[last]!.value!).toFixed(1)}" r="3" fill="#045a8d"/>` : '';
  const axis = [
    `<line x1="${PAD.left}" y1="${y(0)}" x2="${WIDTH - PAD.right}" y2="${y(0)}" stroke="#767676"/>`,
    `<line x1="${PAD.left}" y1="${y(top)}" x2="${WIDTH - PAD.right}" y2="${y(top)}" stroke="#d4d4d4" stroke-dasharray="3 3"/>`,
    `<text x="${PAD.left - 4}" y="${y(0) + 4}" text-anchor="end">${escape(options.format(0))}</text>`,
    `<text x="${PAD.left - 4}" y="${y(top) + 4}" text-anchor="end">${escape(options.format(top))}</text>`,
    points.length ? `<text x="${PAD.left}" y="${HEIGHT - 6}">${escape(monthLabel(points[0]!.month))}</text>` : '',
    points.length > 1 ? `<text x="${WIDTH - PAD.right}" y="${HEIGHT - 6}" text-anchor="end">${escape(monthLabel(points[last]!.month))}</text>` : '',
  ];
  return `<svg class="trend-chart" viewBox="0 0 ${WIDTH} ${HEIGHT}" width="${WIDTH}" height="${HEIGHT}" role="img" aria-label="${escape(options.label)}" font-size="11" fill="#333">${axis.join('')}${lines.join('')}${lastPoint}</svg>`;
}
