/** Public URLs of records: readable, with the id first so a changed name never breaks a link. */
import { slugify } from '../text/vietnamese.js';

export function martyrUrl(id: number | string, fullName: string): string {
  const slug = slugify(fullName);
  return `/liet-si/${id}${slug ? `-${slug}` : ''}`;
}

export function graveUrl(id: number | string): string {
  return `/mo/${id}`;
}

export function cemeteryUrl(id: number | string, name: string): string {
  const slug = slugify(name);
  return `/nghia-trang/${id}${slug ? `-${slug}` : ''}`;
}

/** Public photo files are served under /photos; keys are relative paths in the photo store. */
export function photoUrl(key: string | null | undefined): string | null {
  return key ? `/photos/${key.split('/').map(encodeURIComponent).join('/')}` : null;
}

/** "Khu A, hàng 3, mộ số 12" from whatever parts are known. */
export function plotLabel(sectionKind: string | null, sectionCode: string | null, row: string | null, number: string | null): string | null {
  const parts = [
    sectionCode ? `${sectionKind === 'lo' ? 'Lô' : 'Khu'} ${sectionCode}` : null,
    row ? `hàng ${row}` : null,
    number ? `mộ số ${number}` : null,
  ].filter(Boolean);
  if (!parts.length) return null;
  const label = parts.join(', ');
  return label.charAt(0).toUpperCase() + label.slice(1);
}
