/** A few DOM helpers: elements are built with text nodes, never from HTML strings. */

type Attrs = Record<string, string | number | boolean | null | undefined>;
type Child = Node | string | null | undefined | false;

/** An element with attributes (false/null/undefined ones left out) and children. */
export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Attrs = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === false || value === null || value === undefined) continue;
    el.setAttribute(name, value === true ? '' : String(value));
  }
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child);
  }
  return el;
}

export function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  const el = document.getElementById(id);
  if (!el) throw new Error(`#${id} is missing from the page`);
  return el as T;
}

/**
 * Text with <mark> around what matched, from the search API's highlight strings (escaped HTML
 * with <mark> tags). Parsed inertly and rebuilt from text nodes, so nothing else can get through.
 */
export function marked(html: string | null | undefined, fallback: string): DocumentFragment {
  const fragment = document.createDocumentFragment();
  if (!html) {
    fragment.append(fallback);
    return fragment;
  }
  const parsed = new DOMParser().parseFromString(`<body>${html}</body>`, 'text/html').body;
  for (const node of Array.from(parsed.childNodes)) {
    if (node.nodeName === 'MARK') fragment.append(h('mark', {}, node.textContent ?? ''));
    else fragment.append(node.textContent ?? '');
  }
  return fragment;
}
