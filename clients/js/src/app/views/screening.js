// @ts-check
import { OncommunError, newClientId } from '../../lib/index.js';
import { h, mount } from '../dom.js';
import { language, t } from '../i18n.js';

/** @type {import('../main.js').View} */
export async function screeningView(app, main, [instrumentId]) {
  const { client } = app;
  const instruments = await client.care.instruments();
  const instrument = instruments.find((i) => i.id === instrumentId);
  if (!instrument) {
    mount(main, h('h1', null, t('screening.not_found')), h('p', null, h('a', { href: '#/' }, t('nav.home'))));
    return;
  }
  // One client id per filled-in form: a double click or a retry after a network error is stored once.
  const clientId = newClientId();
  const error = h('div.error', { role: 'alert', id: 'screening-error' });
  const submit = h('button.primary', { type: 'submit' }, t('screening.submit'));

  const items = instrument.items.map((item, index) => {
    const name = `q-${item.link_id}`;
    const legendId = `${name}-legend`;
    if (item.type === 'boolean') {
      return h(
        'fieldset.item',
        { 'data-item': item.link_id },
        h('legend', { id: legendId }, h('span.num', null, `${index + 1}. `), item.text),
        h('div.options', null, [true, false].map((v) => h('label.option', null, h('input', { type: 'radio', name, value: String(v), required: item.required }), t(v ? 'common.yes' : 'common.no')))),
      );
    }
    if (!item.options.length) {
      const id = `${name}-input`;
      return h('div.item.field', { 'data-item': item.link_id }, h('label', { for: id }, `${index + 1}. `, item.text), h('input', { id, name, type: 'number', inputmode: 'numeric', min: 0, max: 10, required: item.required }));
    }
    return h(
      'fieldset.item',
      { 'data-item': item.link_id },
      h('legend', { id: legendId }, h('span.num', null, `${index + 1}. `), item.text),
      h(`div.options${item.options.length > 6 ? '.scale' : ''}`, null, item.options.map((o) => h('label.option', null, h('input', { type: 'radio', name, value: o.code, required: item.required }), o.display))),
    );
  });

  const form = /** @type {HTMLFormElement} */ (
    h(
      'form.questionnaire',
      {
        novalidate: true,
        onsubmit: async (/** @type {SubmitEvent} */ event) => {
          event.preventDefault();
          error.textContent = '';
          /** @type {Record<string, string | boolean | number>} */
          const answers = {};
          const missing = [];
          for (const item of instrument.items) {
            const field = /** @type {RadioNodeList | HTMLInputElement | null} */ (form.elements.namedItem(`q-${item.link_id}`));
            const value = field?.value ?? '';
            if (value === '') {
              if (item.required) missing.push(item);
              continue;
            }
            answers[item.link_id] = item.type === 'boolean' ? value === 'true' : item.options.length ? value : Number(value);
          }
          for (const fieldset of form.querySelectorAll('.item')) fieldset.classList.remove('invalid');
          if (missing.length) {
            for (const item of missing) form.querySelector(`[data-item="${item.link_id}"]`)?.classList.add('invalid');
            error.textContent = t('screening.missing', { count: missing.length });
            /** @type {HTMLElement | null} */ (form.querySelector('.invalid input'))?.focus();
            return;
          }
          /** @type {HTMLButtonElement} */ (submit).disabled = true;
          try {
            const result = await client.care.submit(instrument.id, answers, { version: instrument.version, language: language(), clientId });
            showResult(result);
          } catch (err) {
            error.textContent = err instanceof OncommunError ? err.message : String(err);
            /** @type {HTMLButtonElement} */ (submit).disabled = false;
          }
        },
      },
      h('p.lead', null, instrument.description || t('screening.intro')),
      items,
      error,
      submit,
    )
  );

  /** @param {import('../../lib/care.js').SubmissionResult} result */
  const showResult = (result) => {
    const { submission, proposal, alerts } = result;
    const urgent = alerts.some((a) => a.severity === 'urgent' || a.severity === 'high');
    mount(
      main,
      h('h1', null, t('screening.result_title', { name: instrument.title })),
      h(
        'section.card.result',
        { 'data-testid': 'screening-result', 'aria-labelledby': 'result-title' },
        h('h2', { id: 'result-title' }, t('screening.your_result')),
        h(
          'dl.scores',
          null,
          Object.entries(submission.scores).map(([name, value]) => [
            h('dt', null, t(`score.${name}`)),
            h('dd', { 'data-score': name }, h('strong', null, String(value)), ' · ', h('span.band', { 'data-band': submission.bands[name] }, t(`band.${submission.bands[name]}`))),
          ]),
        ),
        h('p', null, t('screening.shared')),
        proposal ? h('p', null, t('screening.proposal', { step: proposal.to_step })) : null,
        urgent || alerts.length
          ? h('div.support', { role: 'note' }, h('h3', null, t('screening.support_title')), h('p', null, t('screening.support_text')))
          : null,
      ),
      h('p', null, h('a.button', { href: '#/' }, t('screening.back_home'))),
    );
    /** @type {HTMLElement | null} */ (main.querySelector('h1'))?.focus();
  };

  mount(main, h('h1', null, instrument.title), form);
}
