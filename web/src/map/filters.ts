/**
 * The search form's filters (the same fields as /tim-kiem, so the form also works without
 * JavaScript): read into the page state, written back from it, and their options labelled with
 * the counts the search API returns (facets). Conditions without a field of their own — the map
 * area, "near me", a cemetery — are shown as removable chips.
 */
import type { SearchResponse } from './api.js';
import { byId, h } from './dom.js';
import { formatNumber, t } from './i18n.js';
import { YEAR_PATTERN, hasFilters, type PageState } from './state.js';

type Facets = SearchResponse['facets'];

export type FilterFields = ReturnType<typeof filterFields>;

export function filterFields(provinces: { code: string; name: string }[]) {
  const q = byId<HTMLInputElement>('map-q');
  const province = byId<HTMLSelectElement>('mf-province');
  const birthYear = byId<HTMLInputElement>('mf-birthYear');
  const deathYear = byId<HTMLInputElement>('mf-deathYear');
  const unit = byId<HTMLSelectElement>('mf-unit');
  const hasPhoto = byId<HTMLInputElement>('mf-hasPhoto');
  const hasPhotoLabel = document.querySelector<HTMLLabelElement>('label[for="mf-hasPhoto"]')!;
  const details = byId<HTMLDetailsElement>('filters');
  const error = byId('filter-error');
  const clear = byId<HTMLButtonElement>('clear-filters');
  const chips = byId<HTMLUListElement>('chips');
  const provinceNames = new Map(provinces.map((p) => [p.code, p.name]));

  const withCount = (label: string, count: number | undefined) => (count ? t('search.withCount', { label, count: formatNumber(count) }) : label);

  function setYearValidity(input: HTMLInputElement): boolean {
    const value = input.value.trim();
    const ok = value === '' || YEAR_PATTERN.test(value);
    input.setAttribute('aria-invalid', String(!ok));
    return ok;
  }

  return {
    /** The fields as a partial state, or null (and a message) when a year is malformed. */
    read(): Partial<PageState> | null {
      const okBirth = setYearValidity(birthYear);
      const okDeath = setYearValidity(deathYear);
      error.hidden = okBirth && okDeath;
      error.textContent = error.hidden ? '' : t('search.yearInvalid');
      if (!okBirth || !okDeath) {
        details.open = true;
        (okBirth ? deathYear : birthYear).focus();
        return null;
      }
      return {
        q: q.value.trim().slice(0, 200),
        province: province.value || null,
        birthYear: birthYear.value.trim() || null,
        deathYear: deathYear.value.trim() || null,
        unit: unit.value || null,
        hasPhoto: hasPhoto.checked,
      };
    },

    /** Puts the state into the fields (after a reload or the back button). */
    write(state: PageState) {
      q.value = state.q;
      if (state.province && ![...province.options].some((o) => o.value === state.province)) province.append(h('option', { value: state.province }, state.province));
      province.value = state.province ?? '';
      birthYear.value = state.birthYear ?? '';
      deathYear.value = state.deathYear ?? '';
      if (state.unit && ![...unit.options].some((o) => o.value === state.unit)) unit.append(h('option', { value: state.unit }, state.unit));
      unit.value = state.unit ?? '';
      hasPhoto.checked = state.hasPhoto;
      setYearValidity(birthYear);
      setYearValidity(deathYear);
      error.hidden = true;
      clear.hidden = !hasFilters(state);
      if (state.province || state.birthYear || state.deathYear || state.unit || state.hasPhoto) details.open = true;
    },

    /** Labels the options with how many results each would give. */
    facets(facets: Facets | null, state: PageState) {
      const counts = new Map(facets?.province.map((p) => [p.code, p.count]) ?? []);
      for (const option of province.options) {
        if (!option.value) continue;
        option.textContent = withCount(provinceNames.get(option.value) ?? option.value, counts.get(option.value));
      }
      const units = facets?.unit ?? [];
      const keep = state.unit && !units.some((u) => u.value === state.unit) ? [{ value: state.unit, count: 0 }] : [];
      unit.replaceChildren(
        h('option', { value: '' }, t('search.unit.any')),
        ...[...keep, ...units].map((u) => h('option', { value: u.value }, withCount(u.value, u.count))),
      );
      unit.value = state.unit ?? '';
      hasPhotoLabel.textContent = withCount(t('search.hasPhoto'), facets?.hasPhoto.true);
    },

    /** The conditions that have no field: each a chip with a button that removes it. */
    chips(items: { label: string; remove(): void }[]) {
      chips.hidden = items.length === 0;
      chips.replaceChildren(
        ...items.map((item) => {
          const button = h('button', { type: 'button', class: 'chip-remove', 'aria-label': `${t('map.removeFilter')}: ${item.label}` }, '×');
          button.addEventListener('click', item.remove);
          return h('li', { class: 'chip' }, h('span', {}, item.label), button);
        }),
      );
    },

    onChange(handler: () => void) {
      for (const field of [province, unit, hasPhoto, birthYear, deathYear]) field.addEventListener('change', handler);
    },

    onClear(handler: () => void) {
      clear.addEventListener('click', handler);
    },
  };
}
