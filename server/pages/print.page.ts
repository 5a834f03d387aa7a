/**
 * The one-page A4 sheet a relative takes to the cemetery: who, where (cemetery, the plot in large
 * type, the two small maps), the headstone photo, and the QR code and address of the page.
 */
import { translate, type Locale } from '../i18n/messages.js';
import type { martyrView } from './martyr.page.js';
import type { graveView } from './grave.page.js';

type MartyrView = Awaited<ReturnType<typeof martyrView>>;
type GraveView = Awaited<ReturnType<typeof graveView>>;
type Fact = { label: string; value: string };

function facts(locale: Locale, pairs: [string, string | null | undefined][]): Fact[] {
  return pairs.filter((p): p is [string, string] => Boolean(p[1])).map(([key, value]) => ({ label: translate(locale, key), value }));
}

export function martyrPrintView(view: MartyrView, locale: Locale) {
  const m = view.martyr;
  return {
    ...view,
    bodyClass: 'print-view',
    sheet: {
      kind: translate(locale, 'page.martyr.kind'),
      heading: m.name,
      headingIsData: true,
      subheading: m.aliases ? translate(locale, 'page.martyr.aliasLine', { aliases: m.aliases }) : null,
      facts: facts(locale, [
        ['page.martyr.born', m.birth],
        ['page.martyr.died', m.death],
        ['page.martyr.hometown', m.hometown],
        ['page.martyr.unit', m.unit],
        ['page.martyr.placeOfDeath', m.placeOfDeath],
      ]),
      place: view.place,
      qr: view.qr,
      url: view.canonicalUrl,
      backUrl: m.url,
      printedOn: view.printedOn,
    },
  };
}

export function gravePrintView(view: GraveView, locale: Locale) {
  const g = view.grave;
  return {
    ...view,
    bodyClass: 'print-view',
    sheet: {
      kind: translate(locale, 'page.grave.kind'),
      heading: view.title,
      headingIsData: false,
      subheading: g.stateLabel,
      facts: facts(locale, [
        ['page.grave.buried', view.martyrs.map((m) => (m.lifeSpan ? `${m.name} (${m.lifeSpan})` : m.name)).join('; ') || null],
        ['page.known.name', g.known?.name],
        ['page.known.unit', g.known?.unit],
        ['page.known.deathDate', g.known?.deathDate],
        ['page.known.placeOfDeath', g.known?.placeOfDeath],
      ]),
      place: view.place,
      qr: view.qr,
      url: view.canonicalUrl,
      backUrl: g.url,
      printedOn: view.printedOn,
    },
  };
}
