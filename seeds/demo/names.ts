/**
 * Vietnamese names by the frequencies in seeds/data/person-names: family name, middle name, given
 * name; and aliases (bí danh) in the styles of the south ("Hai Thành", "Út") and the north (another
 * single given name). The name sample is young, so middle names follow the war generation (Văn,
 * Đình, Đức, Hữu...) and a share of given names comes from names common at the time.
 */
import { readCsv } from '../reference/load-reference.js';
import { Weighted, type Rng } from './random.js';

export type PersonName = { family: string; middle: string | null; given: string; full: string };

const TONE_AND_VOWEL_MARKS = new Set(['\u0300', '\u0301', '\u0302', '\u0303', '\u0306', '\u0309', '\u031B', '\u0323']);

/**
 * The sample holds a few names mangled by old 8-bit encodings ("Buøi" for Bùi, "Ñinh" for Đinh):
 * keep only Latin letters and Vietnamese marks placed on vowels, drop the mangled ones that pass
 * that test, and drop fragments that are no family name or no given name.
 */
const MANGLED = new Set(['Laâm', 'Vuõ', 'Ngoâ', 'Khaùnh', 'Hùynh']);
const NOT_FAMILY_NAMES = new Set(['Le', 'Thi', 'Y', 'Văn']);
const NOT_GIVEN_NAMES = new Set(['Vin', 'Huynh', 'Lay', 'Nguyễn']);

export function isCleanName(name: string): boolean {
  if (MANGLED.has(name)) return false;
  let afterVowel = false;
  for (const ch of name.normalize('NFD')) {
    if (TONE_AND_VOWEL_MARKS.has(ch)) {
      if (!afterVowel) return false;
      continue;
    }
    if (!/[A-Za-zĐđ]/.test(ch)) return false;
    afterVowel = /[aeiouyAEIOUY]/.test(ch);
  }
  return name.length > 0;
}

function table(file: string, column: string, exclude: Set<string>): Weighted<string> {
  return new Weighted(
    readCsv(`person-names/${file}`)
      .filter((r) => r[column] && isCleanName(r[column]!.normalize('NFC')) && !exclude.has(r[column]!.normalize('NFC')))
      .map((r) => [r[column]!.normalize('NFC'), Number(r.count)] as const),
  );
}

const MALE_MIDDLE = new Weighted<string | null>([
  ['Văn', 55], ['Đình', 7], ['Đức', 6], ['Hữu', 6], ['Xuân', 5], ['Quang', 4], ['Công', 4], ['Ngọc', 3], ['Minh', 3],
  ['Bá', 2], ['Thế', 2], ['Như', 1.5], ['Duy', 1.5], ['Khắc', 1.5], ['Trọng', 1.5], ['Viết', 1], ['Quốc', 1], ['Thanh', 1], [null, 2],
]);

const FEMALE_MIDDLE = new Weighted<string | null>([['Thị', 92], ['Ngọc', 3], ['Thanh', 2], [null, 3]]);

/** Given names common among men born 1920-1970, blended with the sample's. */
const ERA_MALE = new Weighted<string>([
  ['Hùng', 6], ['Thành', 6], ['Sơn', 5], ['Hải', 5], ['Dũng', 5], ['Chiến', 5], ['Thắng', 5], ['Lợi', 4], ['Bình', 4],
  ['Hòa', 4], ['Minh', 4], ['Tâm', 3], ['Hợp', 3], ['Lực', 3], ['Toàn', 3], ['Cường', 3], ['Đông', 3], ['Tiến', 3],
  ['Trung', 3], ['Kiên', 3], ['Quyết', 3], ['Hưng', 3], ['Thanh', 3], ['Xuân', 2], ['Thuận', 2], ['Vinh', 2], ['Lộc', 2],
  ['Phúc', 2], ['Tân', 2], ['Nam', 2], ['Quý', 2], ['Chính', 2], ['Khải', 2], ['Việt', 2], ['Tài', 2], ['Thịnh', 2],
  ['Bảo', 1], ['Cảnh', 1], ['Định', 1], ['Đoàn', 1], ['Giang', 1], ['Huấn', 1], ['Kỳ', 1], ['Lâm', 1], ['Ngọ', 1], ['Tý', 1],
  ['Sửu', 1], ['Dần', 1], ['Mão', 1], ['Thìn', 1], ['Tỵ', 1], ['Thân', 1], ['Dậu', 1], ['Tuất', 1], ['Hợi', 1],
]);

const ERA_FEMALE = new Weighted<string>([
  ['Lan', 4], ['Hoa', 4], ['Mai', 3], ['Hương', 3], ['Thu', 3], ['Xuân', 3], ['Hằng', 2], ['Nga', 2], ['Tâm', 2], ['Hồng', 3],
  ['Liên', 2], ['Nhung', 2], ['Tần', 1], ['Xanh', 1], ['Cúc', 2], ['Đào', 2], ['Huệ', 2], ['Sen', 1], ['Vân', 2], ['Yến', 1],
]);

const SOUTHERN_ORDINALS = new Weighted<string>([
  ['Hai', 14], ['Ba', 14], ['Tư', 12], ['Năm', 11], ['Sáu', 10], ['Bảy', 9], ['Tám', 8], ['Chín', 6], ['Mười', 4], ['Út', 10],
]);

export type NameSource = {
  person(gender: 'male' | 'female', rng: Rng): PersonName;
  /** Zero or more aliases; ~25% of martyrs have one. */
  aliases(name: PersonName, southern: boolean, rng: Rng): string[];
};

export function createNameSource(): NameSource {
  const surnames = table('surnames.csv', 'surname', NOT_FAMILY_NAMES);
  const femaleGiven = table('given_names_after_Thi.csv', 'given_name', NOT_GIVEN_NAMES);
  const femaleSet = new Set(readCsv('person-names/given_names_after_Thi.csv').map((r) => r.given_name!.normalize('NFC')));
  const afterVan = table('given_names_after_Van.csv', 'given_name', NOT_GIVEN_NAMES);
  // The general list mixes men and women: leave out the names the sample gives women after Thị.
  const maleGiven = table('given_names.csv', 'given_name', new Set([...femaleSet, ...NOT_GIVEN_NAMES]));

  const givenMale = (middle: string | null, rng: Rng) =>
    rng.chance(0.35) ? ERA_MALE.draw(rng) : middle === 'Văn' ? afterVan.draw(rng) : maleGiven.draw(rng);

  return {
    person(gender, rng) {
      const family = surnames.draw(rng);
      const middle = (gender === 'male' ? MALE_MIDDLE : FEMALE_MIDDLE).draw(rng);
      const given = gender === 'male' ? givenMale(middle, rng) : rng.chance(0.4) ? ERA_FEMALE.draw(rng) : femaleGiven.draw(rng);
      return { family, middle, given, full: [family, middle, given].filter(Boolean).join(' ').normalize('NFC') };
    },
    aliases(name, southern, rng) {
      if (!rng.chance(0.25)) return [];
      let alias: string;
      if (southern || rng.chance(0.15)) {
        const ordinal = SOUTHERN_ORDINALS.draw(rng);
        alias = ordinal === 'Út' && rng.chance(0.4) ? 'Út' : `${ordinal} ${rng.chance(0.7) ? name.given : givenMale(null, rng)}`;
      } else {
        do alias = givenMale(null, rng); while (alias === name.given);
      }
      const list = [alias.normalize('NFC')];
      if (rng.chance(0.06)) list.push(givenMale(null, rng).normalize('NFC'));
      return list.filter((a, i) => list.indexOf(a) === i);
    },
  };
}
