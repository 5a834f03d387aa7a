import { describe, expect, it } from 'vitest';
import { facetChips } from '../../server/map/search-page.js';
import type { SearchResponse } from '../../server/search/search.service.js';

const result = (over: Partial<SearchResponse['facets']> = {}): SearchResponse => ({
  query: 'le van chien', total: 859, page: 1, perPage: 20, degraded: false, tookMs: 3, ambiguous: false, hits: [],
  facets: {
    province: [
      { code: '42', name: 'Hà Tĩnh', count: 310 }, { code: '40', name: 'Nghệ An', count: 200 }, { code: '44', name: 'Quảng Trị', count: 100 },
      { code: '01', name: 'Hà Nội', count: 90 }, { code: '33', name: 'Hưng Yên', count: 80 }, { code: '34', name: 'Thái Bình', count: 79 },
    ],
    kind: { martyr: 859, grave: 0 },
    hasPhoto: { true: 12, false: 847 },
    hasGrave: { true: 859, false: 0 },
    unit: [{ value: 'Sư đoàn 320', count: 40 }, { value: 'Sư đoàn 304', count: 30 }, { value: 'Sư đoàn 308', count: 20 }, { value: 'Sư đoàn 312', count: 10 }],
    hometownProvince: [],
    birthDecade: [],
    cemetery: [],
    ...over,
  },
});

describe('facetChips', () => {
  it('offers the five biggest provinces, the photo filter and three units, each a link to the same search narrowed', () => {
    const chips = facetChips(result(), { q: 'le van chien' }, 'vi');
    expect(chips.map((c) => c.label)).toEqual(['Hà Tĩnh', 'Nghệ An', 'Quảng Trị', 'Hà Nội', 'Hưng Yên', 'Có ảnh bia mộ', 'Sư đoàn 320', 'Sư đoàn 304', 'Sư đoàn 308']);
    expect(chips[0]).toEqual({ label: 'Hà Tĩnh', count: '310', url: '/tim-kiem?q=le+van+chien&province=42' });
    expect(chips[5]!.url).toBe('/tim-kiem?q=le+van+chien&hasPhoto=true');
    expect(chips[6]!.url).toBe('/tim-kiem?q=le+van+chien&unit=S%C6%B0+%C4%91o%C3%A0n+320');
  });

  it('offers nothing already set, and nothing that would not narrow (a facet holding every result)', () => {
    const chips = facetChips(result({ province: [{ code: '42', name: 'Hà Tĩnh', count: 859 }], hasPhoto: { true: 0, false: 859 } }), { q: 'le van chien', unit: 'Sư đoàn 320' }, 'en');
    expect(chips).toEqual([]);
  });

  it('writes counts the way the page\'s language does', () => {
    const big = result({ province: [{ code: '42', name: 'Hà Tĩnh', count: 2200 }] });
    big.total = 5000;
    expect(facetChips(big, {}, 'vi')[0]!.count).toBe('2.200');
    expect(facetChips(big, {}, 'en')[0]!.count).toBe('2,200');
  });
});

describe('facetChips for namesakes (issue 14)', () => {
  const ambiguous = (): SearchResponse => ({
    ...result({
      hometownProvince: [{ code: '42', name: 'Hà Tĩnh', count: 300 }, { code: '40', name: 'Nghệ An', count: 200 }],
      birthDecade: [{ decade: 1940, count: 500 }, { decade: 1950, count: 359 }],
      cemetery: [{ id: 7, name: 'Nghĩa trang liệt sĩ Quốc gia Trường Sơn', count: 120 }],
    }),
    ambiguous: true,
  });

  it('offers hometown, birth decade and cemetery when the name alone is ambiguous, and not the general province and unit chips', () => {
    const chips = facetChips(ambiguous(), { q: 'le van chien' }, 'vi');
    expect(chips.slice(0, 5).map((c) => c.label)).toEqual(['Quê Hà Tĩnh', 'Quê Nghệ An', 'Sinh 1940–1949', 'Sinh 1950–1959', 'Nghĩa trang liệt sĩ Quốc gia Trường Sơn']);
    expect(chips[0]!.url).toBe('/tim-kiem?q=le+van+chien&hometown=42');
    expect(chips[2]!.url).toBe('/tim-kiem?q=le+van+chien&birthYear=1940-1949');
    expect(chips[4]!.url).toBe('/tim-kiem?q=le+van+chien&cemetery=7');
    expect(chips.map((c) => c.label)).toEqual(['Quê Hà Tĩnh', 'Quê Nghệ An', 'Sinh 1940–1949', 'Sinh 1950–1959', 'Nghĩa trang liệt sĩ Quốc gia Trường Sơn', 'Có ảnh bia mộ']);
    expect(facetChips(ambiguous(), { q: 'le van chien' }, 'en')[0]!.label).toBe('From Hà Tĩnh');
  });

  it('offers no namesake chips for a name that is not ambiguous', () => {
    const chips = facetChips({ ...ambiguous(), ambiguous: false }, { q: 'le van chien' }, 'vi');
    expect(chips.some((c) => c.label.startsWith('Quê') || c.label.startsWith('Sinh'))).toBe(false);
  });
});
