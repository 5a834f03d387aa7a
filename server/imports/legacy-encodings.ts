/**
 * The legacy Vietnamese font encodings of older provincial software, TCVN3 (ABC, the .VnTime
 * fonts) and VNI (VNI-Windows): their text arrives as Latin-1 characters ("NguyÔn", "Nguyeãn")
 * whether it came through a CSV read as Windows-1252 or through an Excel cell. iconv-lite knows
 * neither, so the tables are here. Detection scores each reading by how much of it is Vietnamese.
 */

export type TextEncoding = 'unicode' | 'tcvn3' | 'vni';

// TCVN3 (TCVN 5712:1993, VN3): one byte per letter; capitals with a tone exist only in the
// separate upper-case fonts (.VnTimeH), which reuse the lower-case codes.
const TCVN3: Record<number, string> = {
  0xa1: 'Ă', 0xa2: 'Â', 0xa3: 'Ê', 0xa4: 'Ô', 0xa5: 'Ơ', 0xa6: 'Ư', 0xa7: 'Đ',
  0xa8: 'ă', 0xa9: 'â', 0xaa: 'ê', 0xab: 'ô', 0xac: 'ơ', 0xad: 'ư', 0xae: 'đ',
  0xb5: 'à', 0xb6: 'ả', 0xb7: 'ã', 0xb8: 'á', 0xb9: 'ạ',
  0xbb: 'ằ', 0xbc: 'ẳ', 0xbd: 'ẵ', 0xbe: 'ắ', 0xc6: 'ặ',
  0xc7: 'ầ', 0xc8: 'ẩ', 0xc9: 'ẫ', 0xca: 'ấ', 0xcb: 'ậ',
  0xcc: 'è', 0xce: 'ẻ', 0xcf: 'ẽ', 0xd0: 'é', 0xd1: 'ẹ',
  0xd2: 'ề', 0xd3: 'ể', 0xd4: 'ễ', 0xd5: 'ế', 0xd6: 'ệ',
  0xd7: 'ì', 0xd8: 'ỉ', 0xdc: 'ĩ', 0xdd: 'í', 0xde: 'ị',
  0xdf: 'ò', 0xe1: 'ỏ', 0xe2: 'õ', 0xe3: 'ó', 0xe4: 'ọ',
  0xe5: 'ồ', 0xe6: 'ổ', 0xe7: 'ỗ', 0xe8: 'ố', 0xe9: 'ộ',
  0xea: 'ờ', 0xeb: 'ở', 0xec: 'ỡ', 0xed: 'ớ', 0xee: 'ợ',
  0xef: 'ù', 0xf1: 'ủ', 0xf2: 'ũ', 0xf3: 'ú', 0xf4: 'ụ',
  0xf5: 'ừ', 0xf6: 'ử', 0xf7: 'ữ', 0xf8: 'ứ', 0xf9: 'ự',
  0xfa: 'ỳ', 0xfb: 'ỷ', 0xfc: 'ỹ', 0xfd: 'ý', 0xfe: 'ỵ',
};

const TCVN3_REVERSE = new Map(Object.entries(TCVN3).map(([code, ch]) => [ch, String.fromCharCode(Number(code))]));

const LOWER_LETTER = /\p{Ll}/u;
const UPPER_LETTER = /\p{Lu}/u;

/** TCVN3 text (as Latin-1 characters) → Unicode NFC. A word in capitals stays in capitals. */
export function decodeTcvn3(text: string): string {
  return text
    .split(/(\s+)/)
    .map((word) => {
      let out = '';
      for (const ch of word) out += TCVN3[ch.charCodeAt(0)] ?? ch;
      // .VnTimeH capitals are typed with the lower-case codes: "NGUYÔN" is "NGUYỄN".
      const asciiLetters = word.replace(/[^A-Za-z]/g, '');
      if (asciiLetters.length >= 2 && !/[a-z]/.test(asciiLetters)) return out.toUpperCase();
      return out;
    })
    .join('')
    .normalize('NFC');
}

/** Unicode → TCVN3 (as Latin-1 characters): for test fixtures and the benchmark's legacy column. */
export function encodeTcvn3(text: string): string {
  let out = '';
  for (const ch of text.normalize('NFC')) {
    const direct = TCVN3_REVERSE.get(ch);
    if (direct) out += direct;
    else if (UPPER_LETTER.test(ch) && TCVN3_REVERSE.has(ch.toLowerCase()) && !TCVN3_REVERSE.has(ch)) out += TCVN3_REVERSE.get(ch.toLowerCase())!;
    else out += ch;
  }
  return out;
}

// VNI-Windows: a base letter followed by one or two mark characters.
const VNI_TONE: Record<string, string> = {
  'ù': '\u0301', 'ø': '\u0300', 'û': '\u0309', 'õ': '\u0303', 'ï': '\u0323',
  'Ù': '\u0301', 'Ø': '\u0300', 'Û': '\u0309', 'Õ': '\u0303', 'Ï': '\u0323',
};
/** Shape (circumflex or breve) combined with a tone in one character, and the shapes alone. */
const VNI_SHAPE: Record<string, [string, string]> = {
  'â': ['\u0302', ''], 'á': ['\u0302', '\u0301'], 'à': ['\u0302', '\u0300'], 'å': ['\u0302', '\u0309'], 'ã': ['\u0302', '\u0303'], 'ä': ['\u0302', '\u0323'],
  'Â': ['\u0302', ''], 'Á': ['\u0302', '\u0301'], 'À': ['\u0302', '\u0300'], 'Å': ['\u0302', '\u0309'], 'Ã': ['\u0302', '\u0303'], 'Ä': ['\u0302', '\u0323'],
  'ê': ['\u0306', ''], 'é': ['\u0306', '\u0301'], 'è': ['\u0306', '\u0300'], 'ú': ['\u0306', '\u0309'], 'ü': ['\u0306', '\u0303'], 'ë': ['\u0306', '\u0323'],
  'Ê': ['\u0306', ''], 'É': ['\u0306', '\u0301'], 'È': ['\u0306', '\u0300'], 'Ú': ['\u0306', '\u0309'], 'Ü': ['\u0306', '\u0303'], 'Ë': ['\u0306', '\u0323'],
};
/** Letters VNI writes as one character of their own. */
const VNI_SINGLE: Record<string, string> = {
  'ô': 'ơ', 'ö': 'ư', 'ñ': 'đ', 'î': 'ỵ', 'ì': 'ì', 'í': 'í', 'æ': 'ỉ', 'ó': 'ĩ', 'ò': 'ị',
  'Ô': 'Ơ', 'Ö': 'Ư', 'Ñ': 'Đ', 'Î': 'Ỵ', 'Ì': 'Ì', 'Í': 'Í', 'Æ': 'Ỉ', 'Ó': 'Ĩ', 'Ò': 'Ị',
};
const VNI_SHAPE_BASES = new Set(['a', 'e', 'o', 'A', 'E', 'O']);
const VNI_TONE_BASES = /[aeiouyAEIOUYơưƠƯ]/u;

/** VNI text (as Latin-1 characters) → Unicode NFC. */
export function decodeVni(text: string): string {
  const chars = [...text];
  let out = '';
  for (let i = 0; i < chars.length; i++) {
    const ch = chars[i]!;
    let base = VNI_SINGLE[ch] ?? ch;
    if (!VNI_TONE_BASES.test(base) || base.length !== 1) {
      out += base;
      continue;
    }
    let marks = '';
    const next = chars[i + 1];
    if (next && VNI_SHAPE[next] && VNI_SHAPE_BASES.has(base) && !(VNI_SHAPE[next]![0] === '\u0306' && !/[aA]/.test(base))) {
      const [shape, tone] = VNI_SHAPE[next]!;
      marks += shape + tone;
      i++;
      if (!tone && chars[i + 1] && VNI_TONE[chars[i + 1]!]) marks += VNI_TONE[chars[++i]!];
    } else if (next && VNI_TONE[next]) {
      marks += VNI_TONE[next];
      i++;
    }
    base = (base + marks).normalize('NFC');
    out += base;
  }
  return out.normalize('NFC');
}

const VNI_ENCODE_TONE: Record<string, string> = { '\u0301': 'ù', '\u0300': 'ø', '\u0309': 'û', '\u0303': 'õ', '\u0323': 'ï' };
const VNI_ENCODE_SHAPE: Record<string, Record<string, string>> = {
  '\u0302': { '': 'â', '\u0301': 'á', '\u0300': 'à', '\u0309': 'å', '\u0303': 'ã', '\u0323': 'ä' },
  '\u0306': { '': 'ê', '\u0301': 'é', '\u0300': 'è', '\u0309': 'ú', '\u0303': 'ü', '\u0323': 'ë' },
};
const VNI_ENCODE_I: Record<string, string> = { '\u0300': 'ì', '\u0301': 'í', '\u0309': 'æ', '\u0303': 'ó', '\u0323': 'ò' };

/** Unicode → VNI (as Latin-1 characters): for test fixtures. */
export function encodeVni(text: string): string {
  let out = '';
  for (const ch of text.normalize('NFC')) {
    const d = ch.normalize('NFD');
    const base = d[0]!;
    const marks = d.slice(1);
    const upper = base !== base.toLowerCase();
    const cased = (s: string) => (upper ? s.toUpperCase() : s);
    if (ch === 'đ' || ch === 'Đ') { out += cased('ñ'); continue; }
    if (!marks) { out += ch; continue; }
    const tone = [...marks].find((m) => VNI_ENCODE_TONE[m]) ?? '';
    const shape = [...marks].find((m) => m === '\u0302' || m === '\u0306');
    const horn = marks.includes('\u031b');
    if (/[iI]/.test(base)) { out += cased(VNI_ENCODE_I[tone] ?? 'i'); continue; }
    if (/[yY]/.test(base) && tone === '\u0323') { out += cased('î'); continue; }
    if (horn) { out += cased(base.toLowerCase() === 'o' ? 'ô' : 'ö') + (tone ? cased(VNI_ENCODE_TONE[tone]!) : ''); continue; }
    if (shape) { out += base + cased(VNI_ENCODE_SHAPE[shape]![tone]!); continue; }
    out += base + (tone ? cased(VNI_ENCODE_TONE[tone]!) : '');
  }
  return out;
}

/** Letters only Vietnamese Unicode text has: no legacy encoding (bytes ≤ 0xFF) produces them. */
const VIETNAMESE_ONLY = /[\u1EA0-\u1EF9\u0102\u0103\u0110\u0111\u01A0\u01A1\u01AF\u01B0]/gu;
const ALLOWED_MARKS = new Set(['\u0300', '\u0301', '\u0303', '\u0309', '\u0323', '\u0302', '\u0306', '\u031B']);
const TONES = new Set(['\u0300', '\u0301', '\u0303', '\u0309', '\u0323']);
/** Vowel groups Vietnamese syllables have (without marks); "ea" or "eo a" never occur, which is how VNI read as Unicode gives itself away. */
const NUCLEI = 'a|e|i|o|u|y|ai|ao|au|ay|eo|eu|ia|ie|iu|oa|oe|oi|oo|ua|ue|ui|uo|uu|uy|ya|ye|yu|oai|oay|oao|oeo|uay|uoi|uou|uya|uye|uyu|ieu|yeu|uai|uao|uau|uoc';
const SYLLABLE = new RegExp(`^(ngh|ng|nh|ch|gh|gi|kh|ph|qu|th|tr|[bcdghklmnpqrstvx])?(${NUCLEI})(ch|ng|nh|[cmnpt])?$`);
/** The Latin-1 letters Unicode Vietnamese uses as they are; any other Latin-1 letter means a legacy font. */
const VIETNAMESE_LATIN1 = /[àáâãèéêìíòóôõùúýÀÁÂÃÈÉÊÌÍÒÓÔÕÙÚÝ]/;

/** How Vietnamese a text reads: valid syllables count, impossible words and stray Latin-1 letters count against. */
export function vietnameseScore(text: string): number {
  let score = 0;
  for (const word of text.split(/[^\p{L}\p{M}]+/u)) {
    if (!word) continue;
    const d = word.normalize('NFD').toLowerCase().replace(/đ/g, 'd');
    let tones = 0;
    let bad = false;
    let base = '';
    for (const c of d) {
      if (/\p{M}/u.test(c)) {
        if (!ALLOWED_MARKS.has(c)) bad = true;
        if (TONES.has(c)) tones++;
      } else if (/[a-z]/.test(c)) base += c;
      else bad = true;
    }
    if (bad || tones > 1 || !SYLLABLE.test(base)) score -= 3;
    else score += 1 + (word.match(VIETNAMESE_ONLY)?.length ?? 0);
  }
  return score;
}

export function decodeText(text: string, encoding: TextEncoding): string {
  if (encoding === 'tcvn3') return decodeTcvn3(text);
  if (encoding === 'vni') return decodeVni(text);
  return text.normalize('NFC');
}

/**
 * The encoding of a sample of cells (one column, or a whole file's first rows). Text with a letter
 * only Unicode has is Unicode; text with no letter above ASCII is too (nothing to convert);
 * otherwise the reading that scores most Vietnamese wins.
 */
export function detectTextEncoding(samples: string[]): TextEncoding {
  const text = samples.join('\n');
  if (VIETNAMESE_ONLY.test(text)) {
    VIETNAMESE_ONLY.lastIndex = 0;
    return 'unicode';
  }
  VIETNAMESE_ONLY.lastIndex = 0;
  if (!/[\u00A0-\u00FF]/.test(text)) return 'unicode';
  const foreign = [...text].some((ch) => ch >= '\u00A0' && ch <= '\u00FF' && /\p{L}|[\u00A1-\u00BF\u00D7\u00F7]/u.test(ch) && !VIETNAMESE_LATIN1.test(ch));
  // Only letters Unicode Vietnamese has: it is Unicode unless it reads far better as VNI ("Nguyeãn").
  const scores: [TextEncoding, number][] = foreign
    ? [['tcvn3', vietnameseScore(decodeTcvn3(text))], ['vni', vietnameseScore(decodeVni(text))], ['unicode', vietnameseScore(text) - 1000]]
    : [['unicode', vietnameseScore(text)], ['vni', vietnameseScore(decodeVni(text)) - 2]];
  scores.sort((a, b) => b[1] - a[1]);
  return scores[0]![0];
}

export { LOWER_LETTER };
