import { describe, expect, it } from 'vitest';
import { unitGroups } from '../../server/search/documents.js';
import { buildEngineQuery, quote, RERANK_WINDOW } from '../../server/search/meili-query.js';
import { provinceKeysIn } from '../../server/search/province-keys.js';
import { analyseQuery } from '../../server/search/query-text.js';
import { MAX_TOTAL_HITS, resultCountKey } from '../../server/search/result-count.js';
import { searchSchema } from '../../server/search/search.schema.js';
import { foldVietnamese, slugify, toneInsensitiveKey } from '../../server/text/vietnamese.js';

const catalogue = { placeNamesFolded: ['thua thien hue', 'ha tinh', 'nghe an', 'ha tay', 'ha noi', 'thai binh'] };
const clean = (params: Record<string, string>) => searchSchema.parse(params);

describe('Vietnamese text', () => {
  it('folds diacritics and đ', () => {
    expect(foldVietnamese('Đặng Văn Đức')).toBe('dang van duc');
    expect(foldVietnamese('Nguyễn Thị Thuỵ'.normalize('NFD'))).toBe('nguyen thi thuy');
  });
  it('compares tone-mark placements as one word, but not different tones', () => {
    expect(toneInsensitiveKey('Hoà')).toBe(toneInsensitiveKey('Hòa'));
    expect(toneInsensitiveKey('Thuỵ')).toBe(toneInsensitiveKey('Thụy'));
    expect(toneInsensitiveKey('Thành')).not.toBe(toneInsensitiveKey('Thanh'));
    expect(toneInsensitiveKey('Thành')).not.toBe(toneInsensitiveKey('Thánh'));
  });
  it('makes readable slugs', () => {
    expect(slugify('Nguyễn Văn Thành')).toBe('nguyen-van-thanh');
    expect(slugify('Nghĩa trang liệt sĩ Quốc gia Trường Sơn')).toBe('nghia-trang-liet-si-quoc-gia-truong-son');
  });
});

describe('analyseQuery', () => {
  it('moves places and years after the name, whatever the typed order', () => {
    expect(analyseQuery('ha tinh 1948 nguyen van thanh', catalogue)).toEqual({
      text: 'nguyen van thanh tinhhatinh 1948',
      nameText: 'nguyen van thanh',
      years: [1948],
      places: ['ha tinh'],
    });
  });
  it('keeps diacritics as typed and recognises places written with them', () => {
    expect(analyseQuery('Nguyễn Văn Thành Hà Tĩnh', catalogue).text).toBe('Nguyễn Văn Thành tinhhatinh');
    expect(analyseQuery('Hà Tĩnh Nguyễn Văn Thành', catalogue)).toMatchObject({ nameText: 'Nguyễn Văn Thành', places: ['ha tinh'] });
  });
  it('drops words that only say "martyr"', () => {
    expect(analyseQuery('liệt sỹ Phạm Quang Thuỵ', catalogue).text).toBe('Phạm Quang Thuỵ');
    expect(analyseQuery('LS dang van duc', catalogue).text).toBe('dang van duc');
    expect(analyseQuery('liet si', catalogue).text).toBe('');
  });
  it('does not take a name for a place when only part of a word matches', () => {
    expect(analyseQuery('nguyen van hatinh', catalogue).places).toEqual([]);
  });
});

describe('buildEngineQuery', () => {
  it('turns every filter into a Meilisearch filter expression', () => {
    const request = clean({ q: 'x', cemetery: '7', birthYear: '1940-1950', deathYear: '1968', unit: 'Sư đoàn "320"', kind: 'martyr', hasPhoto: 'true', hasGrave: 'false', bbox: '105,20,106,21' });
    const query = buildEngineQuery(request, 'x', { scope: 'old', code: '34' }, false);
    expect(query.params.filter).toEqual([
      'oldProvinceCodes = "34"',
      'cemeteryId = 7',
      'birthYear 1940 TO 1950',
      'deathYear 1968 TO 1968',
      'unitGroups = "Sư đoàn \\"320\\""',
      'kind = "martyr"',
      'hasPhoto = true',
      'hasGrave = false',
      'lat 20 TO 21 AND lng 105 TO 106',
    ]);
    expect(query.params.locales).toEqual(['vie']);
    expect(query.params.facets).toBeUndefined();
    expect(buildEngineQuery(clean({ q: 'x', facets: 'true' }), 'x', undefined, false).params.facets).toEqual(['provinceCodes', 'kind', 'hasPhoto', 'hasGrave', 'unitGroups', 'hometownProvinceCode', 'birthDecade', 'cemeteryId']);
    // A bare name counts the namesake facets even when facets were not asked for.
    expect(buildEngineQuery(clean({ q: 'le van chien' }), 'le van chien', undefined, false, true).params.facets).toEqual(['hometownProvinceCode', 'birthDecade', 'cemeteryId']);
    expect(buildEngineQuery(clean({ q: 'le van chien' }), 'le van chien', undefined, false).params.facets).toBeUndefined();
    expect(query.params.limit).toBe(20);
  });
  it('sorts by distance with near, by name with no text, by relevance otherwise', () => {
    expect(buildEngineQuery(clean({ near: '16.9,106.9' }), 'a', undefined, false).params.sort).toBeUndefined();
    expect(buildEngineQuery(clean({}), '', undefined, false).params.sort).toEqual(['sortName:asc']);
    expect(buildEngineQuery(clean({ q: 'a' }), 'a', undefined, false).params.sort).toBeUndefined();
  });
  it('asks for the top window when re-ranking by diacritics, and pages normally beyond it', () => {
    const first = buildEngineQuery(clean({ q: 'Thành', page: '2', perPage: '20' }), 'Thành', undefined, true);
    expect(first).toMatchObject({ rerank: true, offset: 20, limit: 20 });
    expect(first.params).toMatchObject({ offset: 0, limit: RERANK_WINDOW });
    const deep = buildEngineQuery(clean({ q: 'Thành', page: '10', perPage: '20' }), 'Thành', undefined, true);
    expect(deep).toMatchObject({ rerank: false });
    expect(deep.params).toMatchObject({ offset: 180, limit: 20 });
  });
  it('quotes filter strings safely', () => {
    expect(quote('a"b\\c')).toBe('"a\\"b\\\\c"');
  });
});

describe('unitGroups', () => {
  it('keeps the formations people filter by', () => {
    expect(unitGroups('Đại đội 2, Tiểu đoàn 4, Trung đoàn 48, Sư đoàn 320')).toEqual(['Trung đoàn 48', 'Sư đoàn 320']);
    expect(unitGroups('Đoàn 559')).toEqual(['Đoàn 559']);
    expect(unitGroups(null)).toEqual([]);
  });
});

describe('unit words', () => {
  it('are dropped before a province name typed in the query, not elsewhere', () => {
    expect(analyseQuery('nguyen van thanh tinh thai binh', catalogue)).toMatchObject({ text: 'nguyen van thanh tinhthaibinh', places: ['thai binh'] });
    expect(analyseQuery('Nguyễn Văn Thành tỉnh Hà Tĩnh', catalogue)).toMatchObject({ text: 'Nguyễn Văn Thành tinhhatinh' });
    expect(analyseQuery('le van tinh', catalogue).text).toBe('le van tinh');
  });
});

describe('stripAdministrativeWords', () => {
  it('keeps the names of places and drops what kind of unit they are', async () => {
    const { stripAdministrativeWords } = await import('../../server/text/vietnamese.js');
    expect(stripAdministrativeWords('xã Đông Hưng, huyện Tiên Lữ, tỉnh Hưng Yên')).toBe('Đông Hưng, Tiên Lữ, Hưng Yên');
    expect(stripAdministrativeWords('Nghĩa trang liệt sĩ tỉnh Hà Tĩnh')).toBe('Nghĩa trang liệt sĩ Hà Tĩnh');
    expect(stripAdministrativeWords('phường 3, thành phố Hồ Chí Minh')).toBe('3, Hồ Chí Minh');
    expect(stripAdministrativeWords('Thạch Kim, Thạch Hà, Hà Tĩnh')).toBe('Thạch Kim, Thạch Hà, Hà Tĩnh');
  });
});

describe('result counts', () => {
  it('says "at least" once Meilisearch has stopped counting', () => {
    expect(resultCountKey(1, 'x')).toBe('search.countFor.one');
    expect(resultCountKey(999, 'x')).toBe('search.countFor');
    expect(resultCountKey(MAX_TOTAL_HITS, 'x')).toBe('search.countAtLeastFor');
    expect(resultCountKey(MAX_TOTAL_HITS, undefined)).toBe('search.countAtLeast');
    expect(resultCountKey(12, '')).toBe('search.count');
  });
});

describe('province keys', () => {
  const names = new Set(['ha tinh', 'ha nam', 'ha nam ninh', 'thai binh', 'ba ria vung tau']);
  it('finds the provinces that places name word for word, as one token each', () => {
    expect(provinceKeysIn(['Thạch Kim, Thạch Hà, Hà Tĩnh', 'Hà Tĩnh'], names)).toEqual(['tinhhatinh']);
    expect(provinceKeysIn(['Bà Rịa - Vũng Tàu'], names)).toEqual(['tinhbariavungtau']);
    expect(provinceKeysIn(['Hà Nam Ninh'], names)).toEqual(['tinhhanam', 'tinhhanamninh']);
  });
  it('does not take syllables of other words for a province', () => {
    expect(provinceKeysIn(['Thạch Hà', 'Hoà Bình'], names)).toEqual([]);
    expect(provinceKeysIn([], names)).toEqual([]);
  });
});

describe('typo variants, name matching and input methods (issue 14)', () => {
  it('offers, for a common syllable typed with a slip, the name syllables one edit away, likeliest in that place first', async () => {
    const { typoVariants } = await import('../../server/search/typo-variants.js');
    expect(typoVariants(['hong', 'van', 'phuc'])[0]).toMatchObject({ at: 0, word: 'hoang' });
    expect(typoVariants(['trung', 'xuan', 'chinh']).map((v) => v.word)).toContain('truong');
    expect(typoVariants(['tai', 'van', 'minh'], ['nguyen', 'van', 'minh'])[0]).toMatchObject({ at: 0, word: 'thai' });
    // Two letters take no typo in the engine: "vn" is Văn without its vowel.
    expect(typoVariants(['do', 'vn', 'phu'])[0]).toMatchObject({ at: 1, word: 'van' });
    // Nothing to offer for words the engine already forgives a typo in.
    expect(typoVariants(['thnah'])).toEqual([]);
  });

  it('matches a name word for word: a typed word once, slips after exact words', async () => {
    const { nameScore, typedName } = await import('../../server/search/name-match.js');
    const doc = (fullName: string, aliases: string[] = []) => ({ fullName, knownName: null, aliases });
    expect(nameScore(typedName('nguyen van nguyen', true), doc('Nguyễn Văn Quyết')).all).toBe(false);
    expect(nameScore(typedName('nguyen van nguyen', true), doc('Nguyễn Văn Nguyên')).all).toBe(true);
    const thhong = typedName('vo van thhong', true);
    expect(nameScore(thhong, doc('Võ Văn Thông')).exact).toBeGreaterThan(nameScore(thhong, doc('Võ Văn Thương')).exact);
    const vanDan = typedName('van dan', true);
    expect(nameScore(vanDan, doc('Trịnh Văn Dân')).exact).toBeGreaterThan(nameScore(vanDan, doc('Đặng Văn Đức')).exact);
    // One of the names must carry every word: the full name and an alias are not mixed.
    expect(nameScore(typedName('trung xuan chinh', true), doc('Phan Văn Hùng', ['Trung'])).all).toBe(false);
  });

  it('takes a province at the end of the query as the place typed', () => {
    const a = analyseQuery('pham xuan thanh hoa binh', { placeNamesFolded: ['thanh hoa', 'hoa binh'] });
    expect(a.nameText).toBe('pham xuan thanh');
    expect(a.places).toEqual(['hoa binh']);
  });

  it('reads Telex and VNI words as the words they spell, and leaves every other word alone', async () => {
    const { toDiacritics, encodeInputMethod } = await import('../../server/text/input-methods.js');
    for (const name of ['Nguyễn Văn Thành', 'Trương Xuân Chính', 'Đặng Văn Đức', 'Lê Thị Thuỵ', 'Hoàng Quốc Việt', 'Phạm Ngọc Quý']) {
      for (const method of ['telex', 'vni'] as const) {
        const typed = encodeInputMethod(name, method);
        expect(toDiacritics(typed).normalize('NFD').replace(/[\u0300\u0301\u0303\u0309\u0323]/g, ''), `${method} ${typed}`).toBe(name.toLowerCase().normalize('NFD').replace(/[\u0300\u0301\u0303\u0309\u0323]/g, ''));
      }
    }
    expect(toDiacritics('Nguyeenx vawn thanhf')).toBe('Nguyễn văn thành');
    expect(toDiacritics('ddwcs')).toBe('đức');
    for (const plain of ['nguyen van thanh', 'ls', 'ntls', 'tphcm', 'daklak', 'f304', 'c2', 'e320', '1968', 'hcm', 'brvt']) expect(toDiacritics(plain)).toBe(plain);
  });
});

describe('provinces inside names (issue 14)', () => {
  it('leaves a province in the name when taking it would leave one name word', () => {
    const quangBinh = { placeNamesFolded: ['quang binh'] };
    expect(analyseQuery('ngueyn quang binh', quangBinh).places).toEqual([]);
    expect(analyseQuery('quang binh nguyen', quangBinh).places).toEqual([]);
    expect(analyseQuery('nguyen van an quang binh', quangBinh)).toMatchObject({ nameText: 'nguyen van an', places: ['quang binh'] });
  });
});
