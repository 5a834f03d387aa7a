/**
 * The search box with suggestions as you type: the ARIA 1.2 combobox pattern. Focus stays in the
 * input; the active option is named by aria-activedescendant. Arrow keys move, Enter picks,
 * Escape closes, and a click picks too. Typing without choosing and pressing Enter searches.
 */
import { isAbort, suggestApi, type Suggestion } from './api.js';
import { h, marked } from './dom.js';
import { t } from './i18n.js';

const DEBOUNCE_MS = 150;
const MIN_LENGTH = 2;

export type ComboboxOptions = {
  input: HTMLInputElement;
  listbox: HTMLUListElement;
  /** A polite live region that says how many suggestions there are. */
  announcer: HTMLElement;
  lang: string;
  onPick(suggestion: Suggestion): void;
};

export function combobox({ input, listbox, announcer, lang, onPick }: ComboboxOptions) {
  let suggestions: Suggestion[] = [];
  let active = -1;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let pending: AbortController | undefined;

  input.setAttribute('role', 'combobox');
  input.setAttribute('aria-autocomplete', 'list');
  input.setAttribute('aria-expanded', 'false');
  input.setAttribute('aria-controls', listbox.id);

  const isOpen = () => !listbox.hidden;

  function close() {
    listbox.hidden = true;
    input.setAttribute('aria-expanded', 'false');
    input.removeAttribute('aria-activedescendant');
    active = -1;
  }

  function setActive(index: number) {
    active = index;
    listbox.querySelectorAll<HTMLElement>('[role="option"]').forEach((option, i) => {
      option.setAttribute('aria-selected', String(i === index));
      if (i === index) {
        input.setAttribute('aria-activedescendant', option.id);
        option.scrollIntoView({ block: 'nearest' });
      }
    });
    if (index < 0) input.removeAttribute('aria-activedescendant');
  }

  function pick(index: number) {
    const suggestion = suggestions[index];
    if (!suggestion) return;
    input.value = suggestion.label;
    close();
    onPick(suggestion);
  }

  function render() {
    listbox.replaceChildren(
      ...suggestions.map((s, i) => {
        const option = h(
          'li',
          { id: `${listbox.id}-${i}`, role: 'option', 'aria-selected': 'false', class: 'suggestion' },
          h('span', { class: 'suggestion-label' }, marked(s.highlight, s.label)),
          s.detail ? h('span', { class: 'suggestion-detail' }, s.detail) : null,
        );
        // mousedown would blur the input first and close the list before the click lands.
        option.addEventListener('mousedown', (event) => event.preventDefault());
        option.addEventListener('click', () => pick(i));
        return option;
      }),
    );
    active = -1;
    if (suggestions.length) {
      listbox.hidden = false;
      input.setAttribute('aria-expanded', 'true');
    } else close();
    announcer.textContent = suggestions.length ? t('map.suggestions.count', { count: suggestions.length }) : t('map.suggestions.none');
  }

  async function load(q: string) {
    pending?.abort();
    pending = new AbortController();
    try {
      suggestions = await suggestApi(q, lang, pending.signal);
      // Only if the box still says what was asked, and still has focus.
      if (input.value.trim() === q && document.activeElement === input) render();
    } catch (error) {
      if (!isAbort(error)) close();
    }
  }

  input.addEventListener('input', () => {
    clearTimeout(timer);
    const q = input.value.trim();
    if (q.length < MIN_LENGTH) {
      pending?.abort();
      suggestions = [];
      close();
      return;
    }
    timer = setTimeout(() => void load(q), DEBOUNCE_MS);
  });

  input.addEventListener('keydown', (event) => {
    const count = suggestions.length;
    switch (event.key) {
      case 'ArrowDown':
        if (!count) return;
        event.preventDefault();
        if (!isOpen()) render();
        setActive(active + 1 >= count ? 0 : active + 1);
        break;
      case 'ArrowUp':
        if (!count) return;
        event.preventDefault();
        if (!isOpen()) render();
        setActive(active <= 0 ? count - 1 : active - 1);
        break;
      case 'Enter':
        if (isOpen() && active >= 0) {
          event.preventDefault();
          pick(active);
        } else close();
        break;
      case 'Escape':
        if (isOpen()) {
          event.preventDefault();
          close();
        }
        break;
      case 'Tab':
        close();
        break;
    }
  });

  input.addEventListener('blur', () => close());

  return {
    close,
    /** Cancel what is in flight: the form was submitted. */
    cancel() {
      clearTimeout(timer);
      pending?.abort();
      close();
    },
  };
}
