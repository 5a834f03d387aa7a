/**
 * The list of results beside the map: each result is a button that shows it on the map (when its
 * grave has a position) and a link to its page. Hovering or focusing a result highlights it on
 * the map; the list marks the selected grave.
 */
import type { SearchHit, SearchResponse } from './api.js';
import { MAX_TOTAL_HITS } from '../../../server/search/result-count.js';
import { h, marked } from './dom.js';
import { displayDate, formatNumber, resultCount, t } from './i18n.js';

export type ResultsHandlers = {
  onShow(hit: SearchHit, index: number): void;
  onHover(index: number | null): void;
  onPage(page: number): void;
};

/** The grave a hit stands for: itself, or the grave of a martyr. */
export const graveOf = (hit: SearchHit): number | null => (hit.kind === 'grave' ? hit.id : hit.graveId);

export const hitName = (hit: SearchHit): string => hit.fullName ?? hit.knownName ?? t('search.unnamed');

export function hitKind(hit: SearchHit): string {
  if (hit.kind === 'martyr') return t('search.kind.martyr');
  return hit.graveState === 'partial' ? t('search.kind.partial') : t('search.kind.unknown');
}

function metaLine(hit: SearchHit): string {
  const born = displayDate(hit.birthDate);
  const died = displayDate(hit.deathDate);
  return [
    hitKind(hit),
    born ? t('search.born', { date: born }) : null,
    died ? t('search.died', { date: died }) : null,
    hit.distanceMeters !== undefined ? t('search.distance', { km: formatNumber(Math.round(hit.distanceMeters / 100) / 10) }) : null,
  ]
    .filter(Boolean)
    .join(' · ');
}

function placeLine(hit: SearchHit): string {
  if (hit.kind === 'martyr' && !hit.graveId) return t('search.noGrave');
  return [hit.cemetery?.name, hit.plot].filter(Boolean).join(' · ');
}

export function resultsList(list: HTMLOListElement, status: HTMLElement, pager: HTMLElement, handlers: ResultsHandlers) {
  let hits: SearchHit[] = [];

  list.addEventListener('mouseover', (event) => handlers.onHover(indexOf(event.target)));
  list.addEventListener('mouseleave', () => handlers.onHover(null));
  list.addEventListener('focusin', (event) => handlers.onHover(indexOf(event.target)));
  list.addEventListener('focusout', (event) => {
    if (!list.contains(event.relatedTarget as Node | null)) handlers.onHover(null);
  });

  function indexOf(target: EventTarget | null): number | null {
    const item = (target as Element | null)?.closest?.('li[data-index]');
    return item ? Number(item.getAttribute('data-index')) : null;
  }

  function item(hit: SearchHit, index: number): HTMLLIElement {
    const name = hitName(hit);
    const highlighted = hit.fullName ? hit.highlights.fullName : hit.highlights.knownName;
    const summary = [
      h('span', { class: 'result-name' }, marked(typeof highlighted === 'string' ? highlighted : null, name)),
      h('span', { class: 'result-meta' }, metaLine(hit)),
      hit.hometown ? h('span', { class: 'result-line' }, `${t('search.hometown')}: ${hit.hometown}`) : null,
      placeLine(hit) ? h('span', { class: 'result-line' }, placeLine(hit)) : null,
    ];
    const canShow = graveOf(hit) !== null && hit.location !== null;
    const main = canShow
      ? h('button', { type: 'button', class: 'result-main', 'aria-describedby': `result-${index}-kind` }, ...summary)
      : h('div', { class: 'result-main' }, ...summary);
    if (canShow) main.addEventListener('click', () => handlers.onShow(hit, index));
    const li = h(
      'li',
      { class: 'result', 'data-index': index, 'data-grave': graveOf(hit) ?? '' },
      hit.thumbUrl ? h('img', { class: 'result-photo', src: hit.thumbUrl, alt: t('search.photoAlt', { name }), width: 56, height: 56, loading: 'lazy' }) : null,
      main,
      h(
        'p',
        { class: 'result-links' },
        canShow ? h('span', { id: `result-${index}-kind`, class: 'visually-hidden' }, t('search.onMap')) : null,
        h('a', { href: hit.url }, t('map.openRecord'), h('span', { class: 'visually-hidden' }, `: ${name}`)),
      ),
    );
    return li;
  }

  function renderPager(response: SearchResponse) {
    const pages = Math.max(1, Math.ceil(Math.min(response.total, MAX_TOTAL_HITS) / response.perPage));
    if (pages <= 1) {
      pager.hidden = true;
      pager.replaceChildren();
      return;
    }
    const button = (label: string, page: number, disabled: boolean) => {
      const b = h('button', { type: 'button', class: 'secondary', disabled }, label);
      b.addEventListener('click', () => handlers.onPage(page));
      return b;
    };
    pager.hidden = false;
    pager.replaceChildren(
      button(t('search.prev'), response.page - 1, response.page <= 1),
      h('span', { class: 'map-pager-at' }, t('search.pageOf', { page: response.page, pages })),
      button(t('search.next'), response.page + 1, response.page >= pages),
    );
  }

  return {
    get hits() {
      return hits;
    },
    loading() {
      list.setAttribute('aria-busy', 'true');
      status.textContent = t('map.loading');
    },
    failed() {
      list.removeAttribute('aria-busy');
      status.textContent = t('map.loadError');
    },
    clear() {
      hits = [];
      list.removeAttribute('aria-busy');
      list.replaceChildren();
      pager.hidden = true;
      status.textContent = t('search.start');
    },
    render(response: SearchResponse) {
      hits = response.hits;
      list.removeAttribute('aria-busy');
      list.replaceChildren(...hits.map(item));
      renderPager(response);
      status.textContent = (response.degraded ? `${t('search.degraded')} ` : '') + resultCount(response.total, response.query);
    },
    /** Marks the result of the selected grave. */
    markSelected(graveId: number | null) {
      list.querySelectorAll('li[data-index]').forEach((li) => {
        li.classList.toggle('is-selected', graveId !== null && li.getAttribute('data-grave') === String(graveId));
      });
    },
  };
}
