/**
 * The selected grave's panel over the map: who lies there, the dates, the plot, the cemetery, the
 * headstone photo and a link to the record's page. Built from a search result when there is one,
 * otherwise from /api/graves/:id (a grave clicked on the map, or a shared URL).
 */
import type { GraveRecord, SearchHit } from './api.js';
import { h } from './dom.js';
import { displayDate, t } from './i18n.js';
import { hitKind, hitName } from './results.js';

/** What the panel shows, whichever source it came from. */
export type Selected = {
  graveId: number;
  name: string;
  kind: string;
  born: string | null;
  died: string | null;
  hometown: string | null;
  unit: string | null;
  plot: string | null;
  cemetery: { id: number; name: string; url: string } | null;
  thumbUrl: string | null;
  location: { lat: number; lng: number } | null;
  url: string;
  graveUrl: string;
  /** Everyone buried there, when it is more than the one named. */
  others: { name: string; url: string; years: string | null }[];
};

export function selectedFromHit(hit: SearchHit, graveId: number): Selected {
  return {
    graveId,
    name: hitName(hit),
    kind: hitKind(hit),
    born: displayDate(hit.birthDate),
    died: displayDate(hit.deathDate),
    hometown: hit.hometown,
    unit: hit.unit,
    plot: hit.plot,
    cemetery: hit.cemetery,
    thumbUrl: hit.thumbUrl,
    location: hit.location,
    url: hit.url,
    graveUrl: `/mo/${graveId}`,
    others: [],
  };
}

export function selectedFromGrave(grave: GraveRecord): Selected {
  const [first, ...rest] = grave.martyrs;
  const years = (m: { birthYear: number | null; deathYear: number | null }) =>
    m.birthYear || m.deathYear ? `${m.birthYear ?? '?'}–${m.deathYear ?? '?'}` : null;
  return {
    graveId: grave.id,
    name: first?.fullName ?? grave.known?.name ?? t('search.unnamed'),
    kind: grave.state === 'identified' ? t('search.kind.martyr') : grave.state === 'partial' ? t('search.kind.partial') : t('search.kind.unknown'),
    born: first?.birthYear ? String(first.birthYear) : null,
    died: first?.deathYear ? String(first.deathYear) : displayDate(grave.known?.deathDate),
    hometown: grave.known?.hometown ?? null,
    unit: grave.known?.unit ?? null,
    plot: grave.plot,
    cemetery: grave.cemetery ? { id: grave.cemetery.id, name: grave.cemetery.name, url: grave.cemetery.url } : null,
    thumbUrl: grave.photo?.thumbUrl ?? null,
    location: grave.location,
    url: first && rest.length === 0 ? first.url : grave.url,
    graveUrl: grave.url,
    others: grave.martyrs.length > 1 ? grave.martyrs.map((m) => ({ name: m.fullName, url: m.url, years: years(m) })) : [],
  };
}

export type SelectionHandlers = { onClose(): void; onOnlyCemetery(cemetery: { id: number; name: string }): void };

export function selectionPanel(panel: HTMLElement, handlers: SelectionHandlers) {
  function fact(label: string, value: Node | string | null) {
    return value ? h('div', {}, h('dt', {}, label), h('dd', {}, value)) : null;
  }

  function shell(...children: (Node | null)[]) {
    const close = h('button', { type: 'button', class: 'selected-close', 'aria-label': t('map.close') }, '×');
    close.addEventListener('click', handlers.onClose);
    panel.replaceChildren(close, ...children.filter((c): c is Node => c !== null));
    panel.hidden = false;
  }

  return {
    loading() {
      shell(h('p', { class: 'muted' }, t('map.loadingGrave')));
    },
    notFound() {
      shell(h('p', {}, t('map.graveNotFound')));
    },
    show(selected: Selected) {
      const lifeSpan = [selected.born ? t('search.born', { date: selected.born }) : null, selected.died ? t('search.died', { date: selected.died }) : null]
        .filter(Boolean)
        .join(' · ');
      const only = selected.cemetery ? h('button', { type: 'button', class: 'secondary' }, t('map.onlyCemetery')) : null;
      if (only && selected.cemetery) {
        const cemetery = selected.cemetery;
        only.addEventListener('click', () => handlers.onOnlyCemetery(cemetery));
      }
      shell(
        h('p', { class: 'selected-kind' }, selected.kind),
        h('h2', { id: 'selected-name', class: 'selected-name' }, selected.name),
        lifeSpan ? h('p', { class: 'selected-dates' }, lifeSpan) : null,
        selected.thumbUrl ? h('img', { class: 'selected-photo', src: selected.thumbUrl, alt: t('search.photoAlt', { name: selected.name }), width: 96, height: 96 }) : null,
        h(
          'dl',
          { class: 'selected-facts' },
          // Where the grave is comes first: on a phone the card shows its top and its button only.
          fact(t('search.buried'), selected.cemetery ? h('a', { href: selected.cemetery.url }, selected.cemetery.name) : null),
          fact(t('search.plot'), selected.plot),
          fact(t('search.hometown'), selected.hometown),
          fact(t('search.unitLabel'), selected.unit),
        ),
        selected.location ? null : h('p', { class: 'muted' }, t('map.noLocation')),
        selected.others.length
          ? h(
              'div',
              {},
              h('h3', {}, t('map.martyrsHere')),
              h('ul', { class: 'selected-others' }, ...selected.others.map((m) => h('li', {}, h('a', { href: m.url }, m.name), m.years ? ` (${m.years})` : ''))),
            )
          : null,
        h(
          'p',
          { class: 'selected-links' },
          h('a', { class: 'button-link', href: selected.url }, t('map.openRecord')),
          selected.url !== selected.graveUrl ? h('a', { href: selected.graveUrl }, t('map.openGrave')) : null,
        ),
        only,
      );
    },
    hide() {
      panel.hidden = true;
      panel.replaceChildren();
    },
    focus() {
      panel.focus();
    },
  };
}
