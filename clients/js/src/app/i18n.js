// @ts-check
/**
 * UI strings from JSON catalogs (`/static/locales/<lang>.json`), in the language of the user's profile.
 * Missing keys fall back to English, then to the key itself.
 */

export const LANGUAGES = /** @type {const} */ (['ca', 'es', 'pt', 'pl', 'en']);

/** @type {Record<string, string>} */
let strings = {};
/** @type {Record<string, string>} */
let fallback = {};
let current = 'en';

/** @param {string} lang */
async function fetchCatalog(lang) {
  const response = await fetch(`/static/locales/${lang}.json`);
  if (!response.ok) throw new Error(`no catalog for ${lang}`);
  return /** @type {Promise<Record<string, string>>} */ (response.json());
}

/** @param {string} lang */
export async function setLanguage(lang) {
  const wanted = /** @type {readonly string[]} */ (LANGUAGES).includes(lang) ? lang : 'en';
  if (!Object.keys(fallback).length) fallback = await fetchCatalog('en');
  strings = wanted === 'en' ? fallback : await fetchCatalog(wanted).catch(() => fallback);
  current = wanted;
  document.documentElement.lang = wanted;
}

export function language() {
  return current;
}

/** The browser's preferred language among ours (before sign-in, when there is no profile yet). */
export function browserLanguage() {
  for (const tag of navigator.languages ?? [navigator.language]) {
    const base = tag.slice(0, 2).toLowerCase();
    if (/** @type {readonly string[]} */ (LANGUAGES).includes(base)) return base;
  }
  return 'en';
}

/**
 * @param {string} key
 * @param {Record<string, string | number>} [params]  fill `{name}` placeholders
 */
export function t(key, params) {
  let text = strings[key] ?? fallback[key] ?? key;
  if (params) text = text.replace(/\{(\w+)\}/g, (m, name) => (name in params ? String(params[name]) : m));
  return text;
}

/**
 * Plural-aware: uses `key.one` / `key.other` with `{count}`.
 * @param {string} key
 * @param {number} count
 * @param {Record<string, string | number>} [params]
 */
export function tn(key, count, params = {}) {
  const rule = new Intl.PluralRules(current).select(count);
  const form = strings[`${key}.${rule}`] ?? fallback[`${key}.${rule}`] ? `${key}.${rule}` : `${key}.other`;
  return t(form, { ...params, count });
}
