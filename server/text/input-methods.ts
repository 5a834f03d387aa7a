/**
 * Vietnamese typed without a Vietnamese keyboard, as the two common input methods spell it when
 * they are switched off: Telex ("nguyeenx vawn thanhf" for "Nguyễn Văn Thành": doubled vowels and
 * w for the hats and hooks, dd for đ, a final s f r x j for the tone) and VNI ("nguye6n4 va8n
 * tha2nh": digits 6-9 for the marks, 1-5 for the tone). toDiacritics turns such words back into
 * the word they were meant to be; plain words and words that would not make a Vietnamese syllable
 * are left exactly as typed, so a name typed without marks, a year or a unit number never changes.
 * encode is the other way round, for the benchmark's and the tests' queries.
 */

const TONE_COMBINING = { s: '\u0301', f: '\u0300', r: '\u0309', x: '\u0303', j: '\u0323' } as const;
const VNI_TONES: Record<string, string> = { '1': '\u0301', '2': '\u0300', '3': '\u0309', '4': '\u0303', '5': '\u0323' };
const CIRCUMFLEX = '\u0302';
const BREVE = '\u0306';
const HORN = '\u031B';

/**
 * A Vietnamese syllable without its marks: an initial consonant, one to three vowels, a final.
 * What decoding must produce for a word to count as Telex or VNI.
 */
const SYLLABLE = /^(ngh|ng|nh|ch|gh|gi|kh|ph|qu|th|tr|[bcdđghklmnpqrstvx])?[aeiouy]{1,3}(ng|nh|ch|[cmnpt])?$/;

const VOWELS = 'aeiouy';

type Letter = { base: string; mark: string };
/** The last letter that passes, searching from the end (Array.prototype.findLast is beyond the project's ES2022 lib). */
function lastOf(letters: Letter[], test: (l: Letter) => boolean): Letter | undefined {
  for (let i = letters.length - 1; i >= 0; i--) if (test(letters[i]!)) return letters[i];
  return undefined;
}

/** Where the tone mark goes in a syllable of letters and hat/hook marks (base letters only compared). */
function toneIndex(letters: { base: string; mark: string }[]): number {
  const vowels = letters.map((l, i) => ({ ...l, i })).filter((l) => VOWELS.includes(l.base));
  // "qu" and "gi" start with a consonant written as a vowel letter.
  const first = letters[0]?.base;
  const skip = (first === 'q' && vowels[0]?.i === 1) || (first === 'g' && vowels[0]?.base === 'i' && vowels[0]?.i === 1 && vowels.length > 1) ? 1 : 0;
  const group = vowels.slice(skip);
  if (!group.length) return -1;
  const marked = group.filter((v) => v.mark);
  if (marked.length) return marked.at(-1)!.i; // ươ takes it on ơ, every other hat or hook vowel on itself
  const last = group.at(-1)!;
  const endsInConsonant = last.i < letters.length - 1;
  if (group.length === 1 || endsInConsonant) return last.i;
  if (group.length === 3) return group[1]!.i;
  return group[0]!.i;
}

function compose(letters: { base: string; mark: string }[], tone: string | undefined): string {
  const at = tone ? toneIndex(letters) : -1;
  return letters
    .map((l, i) => (l.base === 'đ' ? 'đ' : l.base) + l.mark + (i === at ? tone : ''))
    .join('')
    .normalize('NFC');
}

function plausible(letters: { base: string }[]): boolean {
  return SYLLABLE.test(letters.map((l) => l.base).join(''));
}

function fromTelex(word: string): string | undefined {
  let rest = word;
  let tone: string | undefined;
  const last = rest.at(-1) as keyof typeof TONE_COMBINING;
  if (rest.length > 1 && last in TONE_COMBINING) {
    tone = TONE_COMBINING[last];
    rest = rest.slice(0, -1);
  }
  const letters: { base: string; mark: string }[] = [];
  let sawMark = false;
  for (let i = 0; i < rest.length; i++) {
    const c = rest[i]!;
    const prev = letters.at(-1);
    if (c === 'w') {
      // uow / uwow → ươ; aw → ă; ow → ơ; uw → ư; a w after a final consonant marks the vowel before it.
      const vowels = letters.filter((l) => VOWELS.includes(l.base) && !l.mark);
      const u = lastOf(vowels, (l) => l.base === 'u');
      const o = lastOf(vowels, (l) => l.base === 'o');
      const a = lastOf(vowels, (l) => l.base === 'a');
      if (u && o && letters.indexOf(o) === letters.indexOf(u) + 1) {
        u.mark = HORN;
        o.mark = HORN;
      } else if (o ?? u ?? a) {
        const target = [o, u, a].filter(Boolean).sort((x, y) => letters.indexOf(y!) - letters.indexOf(x!))[0]!;
        target.mark = target.base === 'a' ? BREVE : HORN;
      } else if (prev?.base === 'o' && prev.mark === HORN) {
        // "uwow": the second w repeats the hook already there.
      } else {
        // A w on its own is ư ("ddwcs" → "đức").
        letters.push({ base: 'u', mark: HORN });
      }
      sawMark = true;
      continue;
    }
    if (prev && !prev.mark && prev.base === c && 'aeo'.includes(c)) {
      prev.mark = CIRCUMFLEX;
      sawMark = true;
      continue;
    }
    if (prev && prev.base === 'd' && c === 'd') {
      prev.base = 'đ';
      sawMark = true;
      continue;
    }
    letters.push({ base: c, mark: '' });
  }
  if (!sawMark && !tone) return undefined;
  if (!plausible(letters)) return undefined;
  return compose(letters, tone);
}

function fromVni(word: string): string | undefined {
  const letters: { base: string; mark: string }[] = [];
  let tone: string | undefined;
  for (const c of word) {
    if (/[a-z]/.test(c)) {
      letters.push({ base: c, mark: '' });
      continue;
    }
    if (VNI_TONES[c]) {
      if (tone) return undefined;
      tone = VNI_TONES[c];
      continue;
    }
    const find = (bases: string) => lastOf(letters, (l) => bases.includes(l.base) && !l.mark);
    if (c === '6') {
      const v = find('aeo');
      if (!v) return undefined;
      v.mark = CIRCUMFLEX;
    } else if (c === '7') {
      const o = find('o');
      const u = find('u');
      if (u && o && letters.indexOf(o) === letters.indexOf(u) + 1) {
        u.mark = HORN;
        o.mark = HORN;
      } else if (o ?? u) (o ?? u)!.mark = HORN;
      else return undefined;
    } else if (c === '8') {
      const a = find('a');
      if (!a) return undefined;
      a.mark = BREVE;
    } else if (c === '9') {
      const d = letters.find((l) => l.base === 'd');
      if (!d) return undefined;
      d.base = 'đ';
    } else return undefined;
  }
  if (!plausible(letters)) return undefined;
  return compose(letters, tone);
}

/** One typed word → the Vietnamese word it spells in Telex or VNI, or undefined when it is not one. */
export function decodeInputMethodWord(word: string): string | undefined {
  const lower = word.toLowerCase();
  if (!/^[a-z][a-z0-9]*$/.test(lower)) return undefined;
  const decoded = /\d/.test(lower) ? fromVni(lower) : fromTelex(lower);
  if (!decoded) return undefined;
  // The case of the first letter as typed ("Nguyeenx" → "Nguyễn").
  return word[0] !== lower[0] ? decoded[0]!.toUpperCase() + decoded.slice(1) : decoded;
}

/** Every Telex or VNI word of a text decoded; everything else, spacing included, as it was. */
export function toDiacritics(text: string): string {
  return text.replace(/[A-Za-z][A-Za-z0-9]*/g, (word) => decodeInputMethodWord(word) ?? word);
}

/** A Vietnamese text as someone would type it in Telex or VNI with the input method off (lower case). */
export function encodeInputMethod(text: string, method: 'telex' | 'vni'): string {
  return text
    .normalize('NFC')
    .toLowerCase()
    .split(/(\s+)/)
    .map((word) => {
      if (/^\s*$/.test(word)) return word;
      let out = '';
      let tone = '';
      for (const ch of word.normalize('NFD')) {
        switch (ch) {
          case '\u0301':
          case '\u0300':
          case '\u0309':
          case '\u0303':
          case '\u0323':
            tone = method === 'telex' ? ({ '\u0301': 's', '\u0300': 'f', '\u0309': 'r', '\u0303': 'x', '\u0323': 'j' } as const)[ch] : ({ '\u0301': '1', '\u0300': '2', '\u0309': '3', '\u0303': '4', '\u0323': '5' } as const)[ch];
            break;
          case CIRCUMFLEX:
            out += method === 'telex' ? out.at(-1) : '6';
            break;
          case BREVE:
            out += method === 'telex' ? 'w' : '8';
            break;
          case HORN:
            // ươ: one w (or 7) after the pair, as people type it.
            if (method === 'telex') out += 'w';
            else out += '7';
            break;
          case 'đ':
            out += method === 'telex' ? 'dd' : 'd9';
            break;
          default:
            out += ch;
        }
      }
      // "uwow" → "uow": one mark for the pair.
      out = method === 'telex' ? out.replace(/uwow/g, 'uow') : out.replace(/u7o7/g, 'uo7');
      return out + tone;
    })
    .join('');
}
