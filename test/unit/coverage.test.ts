/**
 * The coverage page's pure parts: the list of measures is well formed and fully labelled, the map's
 * classes and colours, how values read, the monthly window, the chart and the CSV.
 */
import { describe, expect, it } from 'vitest';
import { coverageCsv } from '../../server/coverage/coverage-export.js';
import type { CoverageRow } from '../../server/coverage/coverage.queries.js';
import { breaksFor, colourOf, formatShare, formatValue, levelsFor, NO_DATA_COLOUR, PALETTE, windowMonths, type MeasureState } from '../../server/coverage/coverage.service.js';
import { currentViewSql, monthlyViewSql, TREND_MONTHS } from '../../server/coverage/coverage-views.queries.js';
import { MEASURE_KEY, MEASURES, measureByKey } from '../../server/coverage/measures.js';
import { trendSvg } from '../../server/coverage/trend-chart.js';
import { translate } from '../../server/i18n/messages.js';

describe('the list of measures', () => {
  it('has unique SQL-safe keys, labels in both languages, and shares of a measure that exists', () => {
    const keys = MEASURES.map((m) => m.key);
    expect(new Set(keys).size).toBe(keys.length);
    for (const m of MEASURES) {
      expect(m.key).toMatch(MEASURE_KEY);
      for (const locale of ['vi', 'en'] as const) expect(translate(locale, `coverage.measure.${m.key}`), `${locale} ${m.key}`).not.toBe(`coverage.measure.${m.key}`);
      if (m.shareOf) expect(measureByKey(m.shareOf)?.kind).toBe('sum');
      // knex reads ? as a binding: a measure's SQL must not use jsonb's ? operator.
      expect(m.facts ?? '').not.toMatch(/\?/);
    }
  });

  it('has facts for every measure, each naming the tables it reads', () => {
    for (const m of MEASURES) {
      expect(m.facts, m.key).not.toBeNull();
      expect(m.requires.length, m.key).toBeGreaterThan(0);
    }
  });

  it('makes a column per measure in both views, NULL for those not built', () => {
    // As on a database without the import tables: that measure's column is NULL.
    const built = MEASURES.filter((m) => m.key !== 'imports_90_days');
    const current = currentViewSql(built);
    const monthly = monthlyViewSql(built);
    for (const m of MEASURES) {
      expect(current).toContain(`AS "${m.key}"`);
      expect(monthly).toContain(`AS "${m.key}"`);
    }
    expect(current).toContain('NULL::double precision AS "imports_90_days"');
    expect(monthly).toContain(`interval '${TREND_MONTHS - 1} months'`);
  });
});

describe('map colours', () => {
  const share = measureByKey('graves_with_position')!;
  const count = measureByKey('submissions_waiting')!;

  it('puts shares into fixed fifths, so a colour means the same share everywhere', () => {
    const breaks = breaksFor(share, [0.1, 0.5]);
    expect(breaks).toEqual([0.2, 0.4, 0.6, 0.8]);
    expect(colourOf(0, breaks)).toBe(PALETTE[0]);
    expect(colourOf(0.2, breaks)).toBe(PALETTE[0]);
    expect(colourOf(0.5, breaks)).toBe(PALETTE[2]);
    expect(colourOf(1, breaks)).toBe(PALETTE[4]);
    expect(colourOf(null, breaks)).toBe(NO_DATA_COLOUR);
  });

  it('puts counts into quantiles, the largest always darkest, one value alone in one colour', () => {
    const values = [0, 0, 1, 2, 3, 5, 8, 13, 21, 34];
    const breaks = breaksFor(count, values);
    expect(breaks.length).toBe(4);
    expect(colourOf(0, breaks)).toBe(PALETTE[0]);
    expect(colourOf(34, breaks)).toBe(PALETTE[4]);
    expect(breaksFor(count, [3, 3, 3])).toEqual([]);
    expect(colourOf(3, [])).toBe(PALETTE[4]);
    // Two distinct values: two classes, still light and dark.
    const two = breaksFor(count, [0, 7]);
    expect(colourOf(0, two)).toBe(PALETTE[0]);
    expect(colourOf(7, two)).toBe(PALETTE[4]);
  });
});

describe('values as people read them', () => {
  it('writes counts, shares and days in the page language', () => {
    const row = { graves: 1234, graves_with_position: 617, days_to_decide: 3.456 };
    expect(formatValue('vi', measureByKey('graves')!, row)).toBe('1.234');
    expect(formatValue('en', measureByKey('graves')!, row)).toBe('1,234');
    expect(formatShare('vi', 0.5)).toBe('50,0 %');
    expect(formatShare('en', 0.5)).toBe('50.0 %');
    expect(formatValue('vi', measureByKey('days_to_decide')!, row)).toBe('3,5 ngày');
    expect(formatValue('en', measureByKey('days_to_decide')!, { days_to_decide: null })).toBe('—');
  });

  it('lets cemetery staff see cemeteries only, officers and the ministry every level', () => {
    expect(levelsFor({ national: true, provinceCodes: [], cemeteryIds: [], communeCodes: [], roles: ['ministry_officer'] })).toEqual(['province', 'old_province', 'cemetery']);
    expect(levelsFor({ national: false, provinceCodes: ['42'], cemeteryIds: [], communeCodes: [], roles: ['province_officer'] })).toEqual(['province', 'old_province', 'cemetery']);
    expect(levelsFor({ national: false, provinceCodes: [], cemeteryIds: [7], communeCodes: [], roles: ['cemetery_staff'] })).toEqual(['cemetery']);
  });

  it('counts the months of the window in Vietnam’s calendar', () => {
    // 31 December 2026, 20:00 UTC is already 1 January 2027 in Vietnam.
    const months = windowMonths(new Date('2026-12-31T20:00:00Z'));
    expect(months).toHaveLength(TREND_MONTHS);
    expect(months.at(-1)).toBe('2027-01-01');
    expect(months[0]).toBe('2025-02-01');
  });
});

describe('the trend chart', () => {
  it('draws a labelled line from zero, broken where a month has no value', () => {
    const svg = trendSvg(
      [
        { month: '2026-01-01', value: 1 },
        { month: '2026-02-01', value: 2 },
        { month: '2026-03-01', value: null },
        { month: '2026-04-01', value: 4 },
        { month: '2026-05-01', value: 5 },
      ],
      { label: 'Mộ có vị trí <Hà Tĩnh>', format: String },
    );
    expect(svg).toMatch(/^<svg class="trend-chart"[^>]+role="img" aria-label="Mộ có vị trí &#60;Hà Tĩnh&#62;"/);
    expect(svg.match(/<polyline/g)).toHaveLength(2);
    expect(svg).toContain('>01/2026<');
    expect(svg).toContain('>05/2026<');
    expect(svg).toContain('>0<');
    expect(svg).toContain('>5<');
  });
});

describe('the CSV', () => {
  it('has a BOM, CRLF lines, quoted cells, defused formulas and plain numbers', () => {
    const unavailable = ['imports_90_days', 'family_requests_waiting', 'records_with_dossier', 'dossier_pages_read'];
    const measures: MeasureState[] = MEASURES.map((m) => ({ ...m, available: !unavailable.includes(m.key), label: translate('en', `coverage.measure.${m.key}`) }));
    const row = { level: 'cemetery', area: '7', name: '=HYPERLINK("x"), "Đồi A"', scope_province: '42', cemetery_id: 7, province_name: 'Hà Tĩnh', computed_at: new Date(), graves: 1234, graves_with_position: 617, graves_with_photo: 0, graves_identified: 1000, submissions_waiting: 2, days_to_decide: 3.456 } as unknown as CoverageRow;
    const csv = coverageCsv('en', 'cemetery', measures, [row]);
    expect(csv.startsWith('\uFEFFCode,Cemeteries,Current province,Graves,Graves with a position,Graves with a position (% of graves),')).toBe(true);
    const line = csv.split('\r\n')[1]!;
    expect(line).toBe(`7,"'=HYPERLINK(""x""), ""Đồi A""",Hà Tĩnh,1234,617,50,0,0,1000,81,2,3.5`);
    expect(csv).not.toContain('Imports in the last 90 days');
    expect(csv.endsWith('\r\n')).toBe(true);
  });
});
