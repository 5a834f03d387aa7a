/**
 * The ground plan of a cemetery: 2-6 sections (khu A, B, ...) side by side as strips of one
 * rectangle around the cemetery's point, each a grid of rows and plots 2.5 m apart. Positions are
 * computed from the grid, so every grave lies inside its section and its cemetery.
 */
import { offsetter, pointEwkt, rectangleMultiPolygonEwkt, rectanglePolygonEwkt, type Position } from './geometry.js';
import type { Rng } from './random.js';

/** Distance between neighbouring graves, and the path around each section, in metres. */
export const PLOT_SPACING = 2.5;
const SECTION_MARGIN = 2;
const CEMETERY_MARGIN = 3;

export type SectionLayout = {
  code: string;
  graves: number;
  /** Plots per row. */
  columns: number;
  /** West edge of the section's first column, metres east of the cemetery's west edge. */
  west: number;
  boundary: string;
};

export type CemeteryLayout = {
  rows: number;
  sections: SectionLayout[];
  boundary: string;
  /** EWKT point of a plot (rows and plots count from 1). */
  plotPosition(section: SectionLayout, row: number, plot: number): string;
};

export function sectionCount(graves: number, rng: Rng): number {
  const base = graves < 60 ? 2 : graves < 300 ? 3 : graves < 1500 ? 4 : graves < 5000 ? 5 : 6;
  return Math.min(6, base + (rng.chance(0.25) ? 1 : 0));
}

/** Splits a total into integer parts proportional to the weights (largest remainder). */
export function apportion(total: number, weights: number[]): number[] {
  const sum = weights.reduce((a, b) => a + b, 0);
  const exact = weights.map((w) => (sum > 0 ? (total * w) / sum : total / weights.length));
  const parts = exact.map(Math.floor);
  let left = total - parts.reduce((a, b) => a + b, 0);
  const order = exact.map((e, i) => [e - Math.floor(e), i] as const).sort((a, b) => b[0] - a[0] || a[1] - b[1]);
  for (let k = 0; left > 0; k = (k + 1) % order.length, left--) parts[order[k]![1]]! += 1;
  return parts;
}

export function layOut(centre: Position, graves: number, rng: Rng): CemeteryLayout {
  const count = sectionCount(graves, rng);
  const split = apportion(graves, Array.from({ length: count }, () => 0.6 + rng.next() * 0.8));
  // Rows shared by all sections, chosen so that the whole cemetery is roughly square.
  const rows = Math.max(1, Math.ceil(Math.sqrt(graves)));
  let west = CEMETERY_MARGIN;
  const strips = split.map((n, i) => {
    const columns = Math.max(1, Math.ceil(n / rows));
    const width = columns * PLOT_SPACING + 2 * SECTION_MARGIN;
    const strip = { code: String.fromCharCode(65 + i), graves: n, columns, west: west + SECTION_MARGIN, x0: west, x1: west + width };
    west += width;
    return strip;
  });
  const width = west + CEMETERY_MARGIN;
  const height = rows * PLOT_SPACING + 2 * SECTION_MARGIN + 2 * CEMETERY_MARGIN;
  // Local metres are measured from the south-west corner; the rectangle is centred on the point.
  const at = offsetter(centre);
  const toLngLat = (east: number, north: number) => at(east - width / 2, north - height / 2);
  const sections: SectionLayout[] = strips.map((s) => ({
    code: s.code,
    graves: s.graves,
    columns: s.columns,
    west: s.west,
    boundary: rectanglePolygonEwkt(toLngLat(s.x0, CEMETERY_MARGIN), toLngLat(s.x1, height - CEMETERY_MARGIN)),
  }));
  return {
    rows,
    sections,
    boundary: rectangleMultiPolygonEwkt(toLngLat(0, 0), toLngLat(width, height)),
    plotPosition(section, row, plot) {
      return pointEwkt(toLngLat(section.west + (plot - 0.5) * PLOT_SPACING, CEMETERY_MARGIN + SECTION_MARGIN + (row - 0.5) * PLOT_SPACING));
    },
  };
}
