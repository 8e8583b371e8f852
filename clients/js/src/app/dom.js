// @ts-check
/**
 * A very small DOM toolkit: `h()` builds elements, `mount()` replaces a container's children.
 */

/** @typedef {string | number | Node | null | undefined | false} Child */
/** @typedef {Child | Child[] | (Child | Child[])[] | Child[][]} Children */

/**
 * @param {string} tag  e.g. `button`, `div.card`, `h2#title.big`
 * @param {Record<string, any> | Children | null} [attrs]  `on*` are listeners, `class`, `style`, booleans toggle; may be omitted
 * @param {...Children} children
 * @returns {HTMLElement}
 */
export function h(tag, attrs, ...children) {
  if (attrs instanceof Node || Array.isArray(attrs) || typeof attrs !== 'object') {
    // No attributes given: the second argument is the first child.
    children.unshift(/** @type {Children} */ (attrs));
    attrs = null;
  }
  const [name, ...rest] = tag.split(/(?=[.#])/);
  const el = document.createElement(name || 'div');
  for (const part of rest) {
    if (part.startsWith('.')) el.classList.add(part.slice(1));
    else if (part.startsWith('#')) el.id = part.slice(1);
  }
  for (const [key, value] of Object.entries(attrs ?? {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith('on') && typeof value === 'function') {
      el.addEventListener(key.slice(2).toLowerCase(), value);
    } else if (key === 'class') {
      for (const c of String(value).split(/\s+/).filter(Boolean)) el.classList.add(c);
    } else if (key === 'dataset') {
      Object.assign(el.dataset, value);
    } else if (key in el && typeof value !== 'string' && key !== 'list') {
      /** @type {any} */ (el)[key] = value;
    } else {
      el.setAttribute(key, value === true ? '' : String(value));
    }
  }
  append(el, children);
  return el;
}

/**
 * @param {Node} el
 * @param {Children[]} children
 */
function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.appendChild(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

/**
 * Replace the children of `el`.
 * @param {Element} el
 * @param {...Children} children
 */
export function mount(el, ...children) {
  el.replaceChildren();
  append(el, children);
}

/** Say something to screen readers (the polite live region in index.html). */
export function announce(/** @type {string} */ text) {
  const region = document.getElementById('announcer');
  if (!region) return;
  region.textContent = '';
  // A new text node in a fresh task is announced even when it repeats the previous one.
  setTimeout(() => {
    region.textContent = text;
  }, 50);
}

/** @param {string | Date} ts @param {string} lang */
export function formatTime(ts, lang) {
  const date = typeof ts === 'string' ? new Date(ts) : ts;
  const sameDay = new Date().toDateString() === date.toDateString();
  return new Intl.DateTimeFormat(lang, sameDay ? { timeStyle: 'short' } : { dateStyle: 'medium', timeStyle: 'short' }).format(date);
}
