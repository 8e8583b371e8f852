// @ts-check
import { OncommunError } from '../../lib/index.js';
import { formatTime, h, mount } from '../dom.js';
import { language, t } from '../i18n.js';

/** @type {import('../main.js').View} */
export async function alertsView(app, main) {
  const { client } = app;
  const list = h('ul.alerts', { 'data-testid': 'alerts' });
  /** @type {Map<number, string>} */
  const names = new Map();
  const loadNames = async () => {
    for (const p of await client.care.patients().catch(() => [])) names.set(p.id, p.display_name);
  };
  await loadNames();

  const draw = () => {
    const open = app.alerts.filter((a) => a.status === 'open').sort((a, b) => b.id - a.id);
    if (!open.length) {
      mount(list, h('li.muted', null, t('alerts.none')));
      return;
    }
    mount(
      list,
      open.map((alert) => {
        const noteId = `note-${alert.id}`;
        const note = /** @type {HTMLInputElement} */ (h('input', { id: noteId, required: true }));
        const error = h('p.error', { role: 'alert' });
        return h(
          'li.card.alert',
          { 'data-alert': alert.id, 'data-kind': alert.kind, 'data-severity': alert.severity },
          h('h2', null, kindLabel(alert.kind), ' — ', names.get(alert.patient_id) ?? t('alerts.patient', { id: alert.patient_id })),
          h('p', null, h('span.tag.tag-alert', null, t(`alert.severity.${alert.severity}`)), ' ', h('time', { datetime: alert.created_at }, formatTime(alert.created_at, language())), alert.details?.instrument ? ` · ${t(`instrument.${alert.details.instrument}`)}` : ''),
          h(
            'form.ack',
            {
              onsubmit: async (/** @type {Event} */ e) => {
                e.preventDefault();
                try {
                  const acked = await client.care.acknowledge(alert.id, note.value.trim());
                  app.alerts = app.alerts.map((a) => (a.id === acked.id ? acked : a));
                  app.toast(t('alerts.acknowledged'));
                  app.header();
                  draw();
                } catch (err) {
                  error.textContent = err instanceof OncommunError ? err.message : String(err);
                }
              },
            },
            h('label', { for: noteId }, t('alerts.note')),
            h('div.composer-row', null, note, h('button.primary', { type: 'submit' }, t('alerts.acknowledge'))),
            error,
          ),
        );
      }),
    );
  };
  app.alerts = await client.care.alerts('open');
  const off = client.on('alert', (alert) => {
    draw();
    // A patient enrolled since the page opened: learn their name.
    if (!names.has(alert.patient_id)) void loadNames().then(draw);
  });
  mount(main, h('h1', null, t('alerts.title')), list);
  draw();
  return off;
}

/**
 * The title of an alert of this kind; a generic one for a kind this version of the app has no words for
 * (another part of Oncommun may raise new kinds), never the raw catalogue key.
 * @param {string} kind
 */
function kindLabel(kind) {
  const key = `alert.kind.${kind}`;
  const label = t(key);
  return label === key ? t('alert.kind.other') : label;
}
