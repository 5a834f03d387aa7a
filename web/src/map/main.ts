/**
 * The map page: search box with suggestions, filters, results beside the map, the selected grave.
 * One state object, always mirrored in the URL (state.ts): a person's action pushes a history
 * entry, moving the map replaces the current one, and the back button (popstate) restores.
 */
import { cemeteryApi, graveApi, isAbort, martyrApi, searchApi, type SearchHit, type SearchResponse, type Suggestion } from './api.js';
import { combobox } from './combobox.js';
import { byId, h } from './dom.js';
import { filterFields } from './filters.js';
import { formatNumber, loadMessages, readJson, t } from './i18n.js';
import { createMap, GRAVE_ZOOM, type MapController } from './map-view.js';
import { graveOf, resultsList } from './results.js';
import { selectedFromGrave, selectedFromHit, selectionPanel, type Selected } from './selection.js';
import { listPageSearch, parseState, searchQuery, stateToSearch, type PageState } from './state.js';

type ClientConfig = { locale: string; styleUrl: string; provinces: { code: string; name: string }[] };

const config = readJson<ClientConfig>(document, 'map-config');
if (config) start(config);

function start(config: ClientConfig) {
  loadMessages(document, config.locale);
  const app = byId('map-app');
  app.classList.add('has-js');
  document.body.classList.add('map-js');
  byId('map-actions').hidden = false;

  const form = byId<HTMLFormElement>('map-search');
  const input = byId<HTMLInputElement>('map-q');
  const listLink = byId('list-link').querySelector('a')!;
  const langLink = document.querySelector<HTMLAnchorElement>('.lang-switch a');
  const sheetToggle = byId<HTMLButtonElement>('sheet-toggle');
  const message = byId('map-message');
  const announcer = h('p', { class: 'visually-hidden', 'aria-live': 'polite' });
  form.append(announcer);

  let state: PageState = parseState(location.search);
  /** The ?lang= of the URL, kept so a shared English link stays English. */
  const lang = new URLSearchParams(location.search).get('lang');
  let lastQuery: string | null = null;
  let response: SearchResponse | null = null;
  let searching: AbortController | undefined;
  let selectedNow: Selected | null = null;
  let cemeteryName: string | null = null;
  let map: MapController | null = null;
  /** Whether the next results should bring the map to them (a new search the person made). */
  let fitNext = false;

  const fields = filterFields(config.provinces);
  const results = resultsList(byId<HTMLOListElement>('results'), byId('result-status'), byId('pager'), {
    onShow: (hit) => void selectHit(hit, { fly: true }),
    onHover: (index) => {
      const hit = index === null ? undefined : results.hits[index];
      void map?.hover(index, hit ? graveOf(hit) : null);
    },
    onPage: (page) => {
      update({ page }, 'push');
      // The pager is drawn again; the count of the new page is where reading goes on.
      byId('result-status').focus();
    },
  });
  const panel = selectionPanel(byId('selected'), {
    onClose: () => {
      update({ grave: null }, 'push');
      input.focus();
    },
    onOnlyCemetery: (cemetery) => onlyCemetery(cemetery),
  });
  const suggestions = combobox({
    input,
    listbox: byId<HTMLUListElement>('map-q-suggestions'),
    announcer,
    lang: config.locale,
    onPick: (s) => void pickSuggestion(s),
  });

  // --- the URL ---------------------------------------------------------------------------

  function writeUrl(mode: 'push' | 'replace') {
    const url = `${location.pathname}${stateToSearch(state, lang)}`;
    if (url !== `${location.pathname}${location.search}`) history[mode === 'push' ? 'pushState' : 'replaceState'](null, '', url);
    // The language switch and the list link keep what is on screen.
    if (langLink) {
      const other = new URL(location.href);
      other.searchParams.set('lang', config.locale === 'vi' ? 'en' : 'vi');
      langLink.href = `${other.pathname}${other.search}`;
    }
    listLink.href = `/tim-kiem${listPageSearch(state)}`;
  }

  /** A change of state: written to the URL, then shown. */
  function update(change: Partial<PageState>, mode: 'push' | 'replace') {
    state = { ...state, ...change };
    writeUrl(mode);
    void show();
  }

  // --- showing a state ---------------------------------------------------------------------

  async function show() {
    fields.write(state);
    showChips();
    void map?.setOldProvinces(state.oldProvinces);
    // Results first: the selected grave's panel is fuller from its search result than from /api/graves.
    await runSearch();
    await showSelection();
  }

  function showChips() {
    const chips: { label: string; remove(): void }[] = [];
    if (state.cemetery) chips.push({ label: `${t('search.cemetery')}: ${cemeteryName ?? `#${state.cemetery}`}`, remove: () => update({ cemetery: null, page: 1 }, 'push') });
    if (state.hometown) chips.push({ label: t('search.namesakes.hometown', { name: config.provinces.find((p) => p.code === state.hometown)?.name ?? state.hometown }), remove: () => update({ hometown: null, page: 1 }, 'push') });
    if (state.bbox) chips.push({ label: t('map.searchArea.active'), remove: () => update({ bbox: null, page: 1 }, 'push') });
    if (state.near) chips.push({ label: t('map.nearMe.active'), remove: () => update({ near: null, page: 1 }, 'push') });
    fields.chips(chips);
    if (state.cemetery && !cemeteryName) {
      const id = state.cemetery;
      cemeteryApi(id)
        .then((c) => {
          cemeteryName = c.name;
          if (state.cemetery === id) showChips();
        })
        .catch(() => undefined);
    }
  }

  /**
   * A name several records carry (the API's `ambiguous`): what tells them apart, as buttons that
   * narrow the search, the same choices the search page offers as chips.
   */
  const namesakes = byId('namesakes');
  function showNamesakes(answer: SearchResponse) {
    const facets = answer.facets;
    const narrows = (count: number) => count > 0 && count < answer.total;
    const choices: { label: string; count: number; change: Partial<PageState> }[] = [];
    if (answer.ambiguous) {
      if (!state.province && !state.hometown) for (const p of facets.hometownProvince.filter((p) => narrows(p.count)).slice(0, 3)) choices.push({ label: t('search.namesakes.hometown', { name: p.name }), count: p.count, change: { hometown: p.code } });
      if (!state.birthYear) {
        for (const d of [...facets.birthDecade].sort((a, b) => b.count - a.count).filter((d) => narrows(d.count)).slice(0, 3)) {
          choices.push({ label: t('search.namesakes.decade', { from: d.decade, to: d.decade + 9 }), count: d.count, change: { birthYear: `${d.decade}-${d.decade + 9}` } });
        }
      }
      if (!state.cemetery) for (const c of facets.cemetery.filter((c) => narrows(c.count)).slice(0, 2)) choices.push({ label: c.name, count: c.count, change: { cemetery: c.id } });
    }
    namesakes.hidden = choices.length === 0;
    namesakes.replaceChildren(
      ...(choices.length ? [h('p', { class: 'namesakes-note' }, t('search.namesakes.note'))] : []),
      h(
        'ul',
        {},
        ...choices.map((choice) => {
          const button = h('button', { type: 'button', class: 'facet-chip' }, `${choice.label} `, h('span', { class: 'facet-chip-count' }, formatNumber(choice.count)));
          button.addEventListener('click', () => update({ ...choice.change, page: 1 }, 'push'));
          return h('li', {}, button);
        }),
      ),
    );
  }

  async function runSearch() {
    const query = searchQuery(state, config.locale);
    if (query === lastQuery) return;
    lastQuery = query;
    searching?.abort();
    if (!query) {
      response = null;
      results.clear();
      namesakes.hidden = true;
      fields.facets(null, state);
      void map?.setResults([]);
      return;
    }
    searching = new AbortController();
    results.loading();
    try {
      response = await searchApi(query, searching.signal);
    } catch (error) {
      if (!isAbort(error)) results.failed();
      return;
    }
    results.render(response);
    showNamesakes(response);
    results.markSelected(state.grave);
    fields.facets(response.facets, state);
    if (map) {
      void map.setResults(response.hits);
      if (fitNext && !state.grave && !state.bbox && !state.near) map.fitResults(response.hits);
    }
    fitNext = false;
  }

  let selecting: AbortController | undefined;
  async function showSelection(fly = false) {
    results.markSelected(state.grave);
    if (!state.grave) {
      selectedNow = null;
      panel.hide();
      void map?.select(null, null);
      return;
    }
    const hit = selectedNow?.graveId === state.grave ? undefined : results.hits.find((h) => graveOf(h) === state.grave);
    if (hit) selectedNow = selectedFromHit(hit, state.grave);
    if (selectedNow?.graveId !== state.grave) {
      selecting?.abort();
      selecting = new AbortController();
      const id = state.grave;
      panel.loading();
      try {
        selectedNow = selectedFromGrave(await graveApi(id, selecting.signal));
      } catch (error) {
        if (isAbort(error)) return;
        selectedNow = null;
        panel.notFound();
        void map?.select(null, null);
        return;
      }
      if (state.grave !== id) return;
    }
    panel.show(selectedNow!);
    void map?.select(selectedNow!.graveId, selectedNow!.location);
    // A shared link with a grave and no view: go to the grave.
    if ((fly || !state.map) && selectedNow!.location) map?.flyTo(selectedNow!.location, GRAVE_ZOOM, panelBox());
  }

  /** Where the selected grave's panel lies over the map, so the map can fly beside it. */
  function panelBox(): DOMRect | null {
    const panel = byId('selected');
    return panel.hidden ? null : panel.getBoundingClientRect();
  }

  // --- what a person does --------------------------------------------------------------------

  async function selectHit(hit: SearchHit, options: { fly: boolean }) {
    const grave = graveOf(hit);
    if (!grave) return;
    // On a phone the list covers most of the map: picking from it means "show me", so it folds
    // away first and the map flies beside the card at its full height.
    setSheet(false);
    selectedNow = selectedFromHit(hit, grave);
    state = { ...state, grave };
    writeUrl('push');
    await showSelection(options.fly);
    byId('selected').focus({ preventScroll: true });
  }

  async function pickSuggestion(suggestion: Suggestion) {
    state = { ...state, q: suggestion.label, page: 1 };
    writeUrl('push');
    fields.write(state);
    await runSearch();
    const hit = results.hits.find((h) => h.kind === suggestion.kind && h.id === suggestion.id);
    if (hit && graveOf(hit)) return selectHit(hit, { fly: true });
    // Not on the first page of results: ask the record itself where its grave is.
    try {
      const grave = suggestion.kind === 'grave' ? suggestion.id : (await martyrApi(suggestion.id)).grave?.id;
      if (grave) {
        update({ grave }, 'replace');
        await showSelection(true);
      }
    } catch {
      /* the list of results is still there */
    }
  }

  function onlyCemetery(cemetery: { id: number; name: string }) {
    cemeteryName = cemetery.name;
    fitNext = true;
    update({ cemetery: cemetery.id, page: 1 }, 'push');
  }

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    suggestions.cancel();
    const change = fields.read();
    if (!change) return;
    fitNext = true;
    update({ ...change, page: 1 }, 'push');
  });

  fields.onChange(() => {
    const change = fields.read();
    if (!change) return;
    fitNext = true;
    update({ ...change, q: state.q, page: 1 }, 'push');
  });

  fields.onClear(() => {
    cemeteryName = null;
    update({ province: null, birthYear: null, deathYear: null, unit: null, cemetery: null, hasPhoto: false, bbox: null, near: null, page: 1 }, 'push');
  });

  byId('search-area').addEventListener('click', () => {
    if (!map) return;
    update({ bbox: map.bbox(), near: null, page: 1 }, 'push');
  });

  const nearMe = byId<HTMLButtonElement>('near-me');
  nearMe.addEventListener('click', () => {
    if (!('geolocation' in navigator)) {
      byId('result-status').textContent = t('map.nearMe.denied');
      return;
    }
    byId('result-status').textContent = t('map.nearMe.locating');
    navigator.geolocation.getCurrentPosition(
      (position) => {
        const { latitude, longitude } = position.coords;
        update({ near: `${latitude.toFixed(4)},${longitude.toFixed(4)}`, bbox: null, page: 1 }, 'push');
        map?.flyTo({ lat: latitude, lng: longitude }, 11);
      },
      () => (byId('result-status').textContent = t('map.nearMe.denied')),
      { timeout: 15_000, maximumAge: 300_000 },
    );
  });

  const oldProvinces = byId<HTMLInputElement>('provinces-2024');
  oldProvinces.checked = state.oldProvinces;
  oldProvinces.addEventListener('change', () => update({ oldProvinces: oldProvinces.checked }, 'push'));

  /** Opens or folds the list over the map (a phone's layout; on a desktop the class changes nothing). */
  function setSheet(open: boolean) {
    app.classList.toggle('sheet-open', open);
    sheetToggle.setAttribute('aria-expanded', String(open));
    sheetToggle.textContent = t(open ? 'map.sheet.close' : 'map.sheet.open');
    // Now, not at the next resize observation: a flight that follows must know the map's new size.
    map?.resize();
  }
  sheetToggle.hidden = false;
  sheetToggle.addEventListener('click', () => setSheet(!app.classList.contains('sheet-open')));

  window.addEventListener('popstate', () => {
    const next = parseState(location.search);
    const viewChanged = JSON.stringify(next.map) !== JSON.stringify(state.map);
    state = next;
    oldProvinces.checked = state.oldProvinces;
    if (viewChanged && state.map) map?.jumpTo(state.map);
    writeUrl('replace');
    void show();
  });

  // --- the map -------------------------------------------------------------------------------

  try {
    map = createMap({
      container: byId('map'),
      styleUrl: config.styleUrl,
      view: state.map,
      oldProvinces: state.oldProvinces,
      // The selected grave's card is left out: it comes and goes without the map moving.
      covers: () => Array.from(document.querySelectorAll('.map-options, .map-legend, #map-panel')),
      handlers: {
        onMove: (view) => {
          state = { ...state, map: view };
          writeUrl('replace');
        },
        onGrave: (grave) => {
          const hit = results.hits.find((h) => graveOf(h) === grave);
          if (hit) void selectHit(hit, { fly: false });
          else update({ grave }, 'push');
        },
        onResult: (index) => {
          const hit = results.hits[index];
          if (hit) void selectHit(hit, { fly: true });
        },
        onOnlyCemetery: onlyCemetery,
      },
    });
  } catch (error) {
    console.warn('the map could not start', error);
    app.classList.add('no-map');
    message.textContent = t('map.unavailable');
    message.hidden = false;
  }

  // First results fit the map only when the URL did not say where to look.
  fitNext = !state.map && !state.grave;
  writeUrl('replace');
  void show();
  void map?.ready.then(() => {
    if (response) void map?.setResults(response.hits);
  });
}
