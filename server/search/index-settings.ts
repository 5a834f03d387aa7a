/**
 * The Meilisearch index settings, kept in code and applied at start-up (and to every rebuilt index
 * before documents go in: a settings change afterwards re-indexes everything). Each choice says why.
 */
import type { Settings } from 'meilisearch';
import { MAX_TOTAL_HITS } from './result-count.js';

export const SEARCH_LOCALES = ['vie'] as const;

/**
 * Syllables of three letters or more (shorter ones take no typo anyway) that a large share of
 * Vietnamese names contain, folded as Meilisearch folds them: from seeds/data/person-names, the
 * surnames and middle names with a share of 0.5% or more, the given names with 0.4% or more (0.8%
 * after "Văn"), most frequent first. Typed as they are, they are not also looked up with a typo.
 */
export const COMMON_NAME_SYLLABLES = [
  'nguyen', 'van', 'tran', 'thanh', 'hoang', 'minh', 'pham', 'tuan', 'duc', 'anh', 'duy', 'quang', 'huy', 'ngoc',
  'hung', 'tien', 'dung', 'nam', 'hieu', 'trung', 'huynh', 'dinh', 'dang', 'cuong', 'hai', 'tung', 'quoc', 'truong',
  'phan', 'manh', 'bui', 'lam', 'thi', 'phuc', 'thai', 'son', 'huu', 'linh', 'tan', 'xuan', 'thinh', 'khanh', 'tai',
  'duong', 'thang', 'toan', 'cong', 'binh', 'ngo', 'viet', 'thuan', 'dat', 'hiep', 'long', 'doan', 'the', 'hong',
  'trong', 'phuoc', 'tam', 'phuong', 'khoa', 'trinh', 'cao', 'vinh', 'quan', 'tri', 'dao', 'mai', 'bao', 'phong',
  'nhat', 'nghia', 'nhan', 'luong', 'chi', 'luu', 'loc', 'hoai', 'phu', 'thao', 'tin', 'kim', 'thien', 'phat',
  'sang', 'thong', 'luan', 'vuong', 'giang', 'danh', 'ngan',
];

export const INDEX_SETTINGS: Settings = {
  // Order is priority for the `attribute` rule: a match in a name beats one in a place, a unit, a
  // year or the cemetery. `names` holds the full name (or the name read on a headstone) first, then
  // the aliases, so a match in the name comes before one that needs an alias (word position). One
  // attribute for all names rather than three: searching three took Meilisearch 19% more time per
  // suggestion and 10% more per search (bench:search), for the same records found.
  // `provinceKeys` holds one token per province the places name, which is what a province typed in
  // the query becomes (province-keys.ts): "thai binh" must not match an alias "Thái" and a cemetery
  // in Hoà Bình. Places and the cemetery name are searched without unit words (xã, huyện, tỉnh...),
  // which would otherwise match "Tĩnh" everywhere. Years are searchable so "nguyen van thanh 1948" prefers
  // records with 1948 among their years without excluding the rest.
  searchableAttributes: ['names', 'placeNames', 'provinceKeys', 'unit', 'years', 'cemeteryWords', 'placeOfDeath'],
  // Only what filters and facets use: each filterable attribute costs indexing time.
  // Positions are plain lat/lng numbers filtered by range, not Meilisearch's _geo: with _geo, every
  // write rebuilds the whole geo tree, about 19 s per change on a million points on this machine,
  // which a change that must be searchable in 2 s cannot afford. Distance order is done by the
  // service (search.service.ts). `id` is filterable to fetch chosen documents back.
  // hometownProvinceCode and birthDecade are facets only: with cemeteryId they split namesakes.
  // `id` is filterable for the saved searches' matcher (notify/search-match.ts asks whether a query
  // finds one document). It costs every indexing batch: Meilisearch rebuilds the levels of 1.4
  // million facet strings each time ("post processing facets > strings bulk", 0.7-2.7 s of a batch
  // at 1,000,000 records; a numeric id costs as much). A matcher that narrows by the record's own
  // facet values instead would let it go; pages by id are already fetched as documents.
  filterableAttributes: ['id', 'kind', 'provinceCodes', 'oldProvinceCodes', 'hometownProvinceCode', 'cemeteryId', 'birthYear', 'birthDecade', 'deathYear', 'unitGroups', 'hasPhoto', 'hasGrave', 'lat', 'lng'],
  sortableAttributes: ['deathYear', 'birthYear', 'sortName'],
  // Relevance first: all words, then in which attributes they were found (and where in them: the
  // full name before an alias), then fewest typos, then any explicit sort, then exact words.
  // `attribute` before `typo` is what makes a name typed with a slip ("tran tanh" for Trần Thanh)
  // beat an exact word in a place (Trần Trọng Quân of Tánh Linh): it scores each typed word by the
  // first attribute it is found in, so a record whose name carries them all comes before any with
  // one of them in a place. (Meilisearch 1.21 refuses the split `attributeRank`/`wordPosition`
  // rules of later versions.) Measured on bench:relevance against the order before, ['words',
  // 'typo', 'attribute', ...]: see README's search relevance section.
  // No `proximity`: names are two to four syllables inside one attribute,
  // so how close the words lie says little the `attribute` and `exactness` rules do not already
  // say, and it was the dearest rule: without it the benchmark's queries (bench:search) took 15%
  // less Meilisearch time and the record each query was built from came back as often (545 of
  // 1,200 on the first page, against 536 with it).
  rankingRules: ['words', 'attribute', 'typo', 'sort', 'exactness'],
  // Without this, Meilisearch guesses the language per text, and a query typed without diacritics
  // is not recognised as Vietnamese: "nguyen van thanh" then does not find "Nguyễn Văn Thành".
  localizedAttributes: [{ attributePatterns: ['*'], locales: [...SEARCH_LOCALES] }],
  typoTolerance: {
    enabled: true,
    // Most Vietnamese syllables have 2-4 letters; the default (one typo from 5 letters) forgives
    // nothing in them ("tran van hug" would miss "Trần Văn Hùng"). Exact matches still rank first
    // through the `typo` rule.
    minWordSizeForTypos: { oneTypo: 3, twoTypos: 8 },
    // A year is a number to match exactly: 1948 must not find 1949. A province key likewise:
    // "tinhhanam" must not find "tinhhanoi".
    disableOnAttributes: ['years', 'provinceKeys'],
    // The commonest name syllables, typed as they are, are not also looked up with a typo: "van"
    // would otherwise bring in "vanh", "vn", "an"... each a list of hundreds of thousands of
    // records, for matches that the `typo` rule ranks below the exact ones anyway. A typo *in*
    // them ("nguyne") is still forgiven; a typo that makes another common syllable ("thang" for
    // "thanh") is not. Measured on bench:search: Meilisearch's time per search down by a third in
    // all (25 syllables, then these 92), with the record each query was built from found as often.
    disableOnWords: [...COMMON_NAME_SYLLABLES],
    disableOnNumbers: true,
  },
  // Spelling variants (i/y), abbreviations people type, and old/new names of places. Multi-way
  // lists so either side finds the other. Meilisearch normalizes synonyms like the query.
  synonyms: buildSynonyms([
    ['liệt sĩ', 'liệt sỹ', 'ls'],
    ['sĩ', 'sỹ'],
    ['quý', 'quí'],
    ['kỳ', 'kì'],
    ['lý', 'lí'],
    ['mỹ', 'mĩ'],
    ['hy', 'hi'],
    ['nghĩa trang', 'nt'],
    ['nghĩa trang liệt sĩ', 'ntls'],
    ['thành phố', 'tp'],
    ['hồ chí minh', 'hcm', 'tphcm', 'sài gòn'],
    ['thừa thiên huế', 'huế'],
    ['bà rịa vũng tàu', 'brvt'],
    ['đắk lắk', 'đắc lắc', 'daklak'],
    ['đắk nông', 'đắc nông', 'daknong'],
    ['sư đoàn', 'sđ'],
    ['trung đoàn', 'trđ'],
  ]),
  // Nobody searches inside facet values here; without facet search indexing does less work.
  facetSearch: false,
  // Facets show counts of provinces (63 old + 34 new codes) and the commonest units.
  faceting: { maxValuesPerFacet: 100, sortFacetValuesBy: { '*': 'count' } },
  pagination: { maxTotalHits: MAX_TOTAL_HITS },
  // Word pairs only need to be close inside one attribute: cheaper to index, same results here.
  proximityPrecision: 'byAttribute',
  displayedAttributes: ['*'],
};

function buildSynonyms(groups: string[][]): Record<string, string[]> {
  const synonyms: Record<string, string[]> = {};
  for (const group of groups) {
    for (const word of group) synonyms[word] = group.filter((other) => other !== word);
  }
  return synonyms;
}
