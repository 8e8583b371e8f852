// @ts-check
import { OncommunError } from '../../lib/index.js';
import { h, mount } from '../dom.js';
import { t } from '../i18n.js';

/** @type {import('../main.js').View} */
export function loginView(app, main) {
  const error = h('p.error', { id: 'login-error', role: 'alert' });
  const username = h('input', { id: 'username', name: 'username', autocomplete: 'username', required: true, autocapitalize: 'none', spellcheck: 'false' });
  const password = h('input', { id: 'password', name: 'password', type: 'password', autocomplete: 'current-password', required: true });
  const submit = h('button.primary', { type: 'submit' }, t('login.submit'));
  const form = h(
    'form.card.login',
    {
      'aria-describedby': 'login-error',
      onsubmit: async (/** @type {SubmitEvent} */ event) => {
        event.preventDefault();
        error.textContent = '';
        /** @type {HTMLButtonElement} */ (submit).disabled = true;
        try {
          await app.client.login(/** @type {HTMLInputElement} */ (username).value.trim(), /** @type {HTMLInputElement} */ (password).value);
          await app.signedIn();
        } catch (err) {
          error.textContent = err instanceof OncommunError ? err.message : t('error.network');
          /** @type {HTMLInputElement} */ (password).focus();
        } finally {
          /** @type {HTMLButtonElement} */ (submit).disabled = false;
        }
      },
    },
    h('h1', null, t('login.title')),
    h('p.lead', null, t('login.intro')),
    h('div.field', null, h('label', { for: 'username' }, t('login.username')), username),
    h('div.field', null, h('label', { for: 'password' }, t('login.password')), password),
    error,
    submit,
  );
  mount(main, form);
}
