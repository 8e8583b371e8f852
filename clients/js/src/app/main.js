// @ts-check
import { OncommunClient } from '../lib/index.js';
import { announce, h, mount } from './dom.js';
import { browserLanguage, setLanguage, t } from './i18n.js';
import { alertsView } from './views/alerts.js';
import { homeView } from './views/home.js';
import { liveView } from './views/live.js';
import { loginView } from './views/login.js';
import { moderationView } from './views/moderation.js';
import { roomView } from './views/room.js';
import { screeningView } from './views/screening.js';

const TOKEN_KEY = 'oncommun.token';

/**
 * @typedef {object} App
 * @property {OncommunClient} client
 * @property {(path: string) => void} go
 * @property {(text: string, kind?: 'info'|'error') => void} toast
 * @property {import('../lib/care.js').Alert[]} alerts  open alerts (staff)
 * @property {() => Promise<void>} signedIn
 * @property {() => void} header  redraw the header (after the alert count changed)
 */

/** @typedef {(app: App, main: HTMLElement, params: string[]) => (void | (() => void)) | Promise<void | (() => void)>} View */

/** @type {[RegExp, View][]} */
const ROUTES = [
  [/^\/$/, homeView],
  [/^\/room\/(\d+)$/, roomView],
  [/^\/live\/(\d+)$/, liveView],
  [/^\/screening\/([\w-]+)$/, screeningView],
  [/^\/alerts$/, alertsView],
  [/^\/moderation$/, moderationView],
];

const client = new OncommunClient({ baseUrl: '' });
/** @type {App} */
const app = {
  client,
  go: (path) => {
    if (location.hash === `#${path}`) void render();
    else location.hash = path;
  },
  toast,
  alerts: [],
  signedIn: async () => {},
  header: () => renderHeader(),
};
window.oncommun = { app, client };

/** @type {(() => void) | null} */
let cleanup = null;

/**
 * A supportive reply to a message held for crisis language: shown at once, on whatever page, until closed.
 * @param {import('../lib/chatroom.js').CrisisReply} reply
 */
function showCrisisReply(reply) {
  const region = /** @type {HTMLElement} */ (document.getElementById('support'));
  const panel = h(
    'section.support.card',
    { role: 'alert', 'aria-labelledby': `support-${reply.message}`, 'data-testid': 'crisis-reply' },
    h('h2', { id: `support-${reply.message}` }, t('support.title')),
    reply.text.split(/\n+/).map((line) => h('p', null, line)),
    // The site's template usually carries the resources itself ({resources}); list them only when it does not.
    reply.resources.length && !reply.resources.some((r) => r.phone && reply.text.includes(r.phone))
      ? h('ul', null, reply.resources.map((r) => h('li', null, h('strong', null, r.name), r.phone ? [' ', h('a', { href: `tel:${r.phone.replace(/\s+/g, '')}` }, r.phone)] : null, r.hours ? ` (${r.hours})` : null, r.url && /^https?:\/\//.test(r.url) ? [' ', h('a', { href: r.url, rel: 'noopener', target: '_blank' }, r.url)] : null)))
      : null,
    h('button', { type: 'button', onclick: () => panel.remove() }, t('support.close')),
  );
  region.appendChild(panel);
}

/** Chat-wide events the app shows wherever the person is. */
function watchChat() {
  client.chat.on('crisis_reply', showCrisisReply);
}

async function start() {
  skipToContent();
  const token = sessionStorage.getItem(TOKEN_KEY);
  if (token) {
    try {
      const me = await client.resume(token);
      await setLanguage(me.language);
      watchChat();
    } catch {
      sessionStorage.removeItem(TOKEN_KEY);
    }
  }
  if (!client.me) await setLanguage(browserLanguage());
  client.on('signed_out', () => {
    sessionStorage.removeItem(TOKEN_KEY);
    document.getElementById('support')?.replaceChildren();
    app.alerts = [];
    void render();
  });
  client.on('connection', (state) => {
    document.body.dataset.connection = state;
    const banner = document.getElementById('connection');
    if (banner) banner.hidden = state === 'connected';
  });
  client.on('alert', (alert) => {
    const known = app.alerts.findIndex((a) => a.id === alert.id);
    if (known >= 0) app.alerts[known] = alert; // an update (escalation, acknowledgement elsewhere)
    else app.alerts.push(alert);
    renderHeader();
    if (known < 0 && alert.status === 'open') toast(t('alerts.new'), 'error');
  });
  window.addEventListener('hashchange', () => void render());
  // Presence: away while the tab is hidden, online when it is back.
  document.addEventListener('visibilitychange', () => {
    if (client.socket?.connected) void client.chat.setPresence(document.visibilityState === 'visible' ? 'online' : 'away');
  });
  await render();
}

/** Called by the login view once signed in. */
export async function signedIn() {
  if (client.token) sessionStorage.setItem(TOKEN_KEY, client.token);
  await setLanguage(client.me?.language ?? 'en');
  watchChat();
  if (client.hasRole('psychologist')) {
    app.alerts = await client.care.alerts('open').catch(() => []);
  }
  app.go('/');
}
app.signedIn = signedIn;

async function render() {
  cleanup?.();
  cleanup = null;
  const main = /** @type {HTMLElement} */ (document.getElementById('main'));
  renderHeader();
  if (!client.me) {
    document.title = `${t('login.title')} · Oncommun`;
    cleanup = /** @type {any} */ (loginView(app, main, [])) ?? null;
    return;
  }
  if (client.hasRole('psychologist') && app.alerts.length === 0) {
    app.alerts = await client.care.alerts('open').catch(() => []);
    renderHeader();
  }
  const path = location.hash.replace(/^#/, '') || '/';
  for (const [pattern, view] of ROUTES) {
    const match = path.match(pattern);
    if (match) {
      mount(main);
      try {
        const result = await view(app, main, match.slice(1));
        cleanup = typeof result === 'function' ? result : null;
      } catch (err) {
        mount(main, h('h1', { tabindex: '-1' }, t('error.title')), h('p.error', { role: 'alert' }, String(/** @type {Error} */ (err).message ?? err)));
      }
      focusHeading(main);
      return;
    }
  }
  app.go('/');
}

/**
 * "Skip to content" moves keyboard focus to the main content and stays on the page: the app routes on the
 * URL hash, so following its `#main` would leave the page (and rebuild the sign-in form, losing what was typed).
 */
function skipToContent() {
  document.querySelector('a.skip')?.addEventListener('click', (event) => {
    event.preventDefault();
    document.getElementById('main')?.focus();
  });
}

/** Move focus to the new page's heading, so keyboard and screen-reader users know where they are. */
function focusHeading(/** @type {HTMLElement} */ main) {
  const heading = main.querySelector('h1');
  if (heading) {
    heading.setAttribute('tabindex', '-1');
    heading.focus({ preventScroll: true });
    document.title = `${heading.textContent} · Oncommun`;
  }
}

function renderHeader() {
  const header = /** @type {HTMLElement} */ (document.getElementById('header'));
  const me = client.me;
  const skip = document.querySelector('.skip');
  if (skip) skip.textContent = t('nav.skip');
  const banner = document.getElementById('connection');
  if (banner) banner.textContent = t('connection.reconnecting');
  if (!me) {
    mount(header, h('a.brand', { href: '#/' }, 'Oncommun'));
    return;
  }
  /** @type {HTMLElement[]} */
  const links = [h('a', { href: '#/' }, t('nav.home'))];
  if (client.hasRole('mentor') || client.hasRole('psychologist')) links.push(h('a', { href: '#/moderation' }, t('nav.moderation')));
  if (client.hasRole('psychologist')) {
    const open = app.alerts.filter((a) => a.status === 'open').length;
    links.push(
      h('a', { href: '#/alerts' }, t('nav.alerts'), open ? [h('span.badge.badge-alert', { 'aria-hidden': 'true' }, open), h('span.visually-hidden', null, ` (${open})`)] : null),
    );
  }
  mount(
    header,
    h('a.brand', { href: '#/' }, 'Oncommun'),
    h('nav', { 'aria-label': t('nav.label') }, links),
    h(
      'div.who',
      h('span.me', { 'data-testid': 'me' }, me.display_name),
      h(
        'button.link',
        {
          type: 'button',
          onclick: async () => {
            await client.logout().catch(() => {});
            announce(t('login.signed_out'));
          },
        },
        t('nav.sign_out'),
      ),
    ),
  );
}

/** @param {string} text @param {'info'|'error'} [kind] */
function toast(text, kind = 'info') {
  const region = document.getElementById('toasts');
  if (!region) return;
  const el = h(`div.toast.toast-${kind}`, { role: kind === 'error' ? 'alert' : 'status' }, text);
  region.appendChild(el);
  setTimeout(() => el.remove(), 6000);
}

void start();
