// @ts-check
import { formatTime, h, mount } from '../dom.js';
import { language, t, tn } from '../i18n.js';

/**
 * A section that loads on its own: a failure shows in place and leaves the rest of the page working.
 * @param {string} id
 * @param {string} title
 * @param {() => Promise<import('../dom.js').Children>} load
 */
function section(id, title, load) {
  const body = h('div', { 'aria-busy': 'true' }, h('p.muted', null, t('common.loading')));
  const el = h('section.card', { 'aria-labelledby': `${id}-title`, 'data-testid': id }, h('h2', { id: `${id}-title` }, title), body);
  load()
    .then((content) => {
      mount(body, content);
      body.removeAttribute('aria-busy');
    })
    .catch((err) => {
      mount(body, h('p.error', null, t('error.section'), ' ', h('span.muted', null, String(err.message ?? err))));
      body.removeAttribute('aria-busy');
    });
  return el;
}

/** @param {import('../../lib/chat.js').Room} room */
function roomLink(room) {
  const unread = room.unread ?? 0;
  return h(
    'li',
    null,
    h(
      'a.room-link',
      { href: `#/room/${room.id}`, 'data-room': room.id },
      h('span.room-name', null, room.name),
      h('span.room-kind', null, t(`room.kind.${room.kind}`), ' · ', t('step.short', { step: room.step })),
      unread > 0 ? h('span.badge', { 'data-testid': 'unread', 'aria-label': tn('room.unread', unread) }, unread) : null,
    ),
  );
}

/** @type {import('../main.js').View} */
export function homeView(app, main) {
  const { client } = app;
  const me = /** @type {import('../../lib/http.js').Me} */ (client.me);
  const isPatient = client.hasRole('patient');
  const isStaff = client.hasRole('psychologist') || client.hasRole('admin');
  const sections = [];

  if (isPatient) {
    sections.push(
      section('my-step', t('home.my_step'), async () => {
        const [results, due] = await Promise.all([client.care.myResults(), client.care.due()]);
        const last = results.results.slice(-3).reverse();
        return [
          h('p.step', { 'data-testid': 'current-step' }, h('strong', null, t('step.long', { step: results.current_step })), ' — ', t(`step.${results.current_step}.about`)),
          due.length
            ? h('div', null, h('h3', null, t('home.due')), h('ul.plain', null, due.map((d) => h('li', null, h('a.button', { href: `#/screening/${d.instrument}` }, t('screening.fill_in', { name: t(`instrument.${d.instrument}`) })), ' ', h('span.muted', null, t(`due.${d.reason}`))))))
            : h('p.muted', null, t('home.nothing_due')),
          last.length
            ? h('div', null, h('h3', null, t('home.latest_results')), h('ul.plain', null, last.map((r) => h('li', null, t(`instrument.${r.instrument}`), ': ', Object.entries(r.scores).map(([k, v]) => `${v} (${t(`band.${r.bands[k]}`)})`).join(', '), ' · ', h('span.muted', null, formatTime(r.submitted_at, language()))))))
            : null,
          h('p', null, h('a', { href: '#/screening/phq9' }, t('home.take_phq9'))),
        ];
      }),
    );
  }

  sections.push(
    section('my-rooms', t('home.my_rooms'), async () => {
      const rooms = await client.chat.listRooms();
      if (!rooms.length) return h('p.muted', null, t('home.no_rooms'));
      const list = h('ul.rooms', null, rooms.map(roomLink));
      const off = client.chat.on('rooms', (updated) => {
        if (!list.isConnected) return off();
        mount(list, updated.map(roomLink));
      });
      return list;
    }),
  );

  if (isStaff) {
    sections.push(
      section('my-patients', t('home.patients'), async () => {
        const patients = await client.care.patients();
        if (!patients.length) return h('p.muted', null, t('home.no_patients'));
        return h(
          'table',
          null,
          h('caption.visually-hidden', null, t('home.patients')),
          h('thead', null, h('tr', null, h('th', { scope: 'col' }, t('patients.name')), h('th', { scope: 'col' }, t('patients.step')), h('th', { scope: 'col' }, t('patients.alerts')))),
          h('tbody', null, patients.map((p) => h('tr', null, h('th', { scope: 'row' }, p.display_name), h('td', null, p.current_step ?? '—'), h('td', null, p.open_alerts ? h('a', { href: '#/alerts' }, p.open_alerts) : '0')))),
        );
      }),
    );
  }

  if (isStaff) {
    sections.push(section('proposals', t('proposals.title'), () => proposalsList(app)));
  }

  mount(
    main,
    h('h1', null, t('home.greeting', { name: me.display_name })),
    me.site ? h('p.muted', null, me.site.name) : null,
    h('div.grid', null, sections),
  );
}

/**
 * Pending step proposals of the site: the psychologist accepts one, or overrides it with a reason.
 * @param {import('../main.js').App} app
 */
async function proposalsList(app) {
  const { client } = app;
  const [proposals, patients] = await Promise.all([client.care.proposals('pending'), client.care.patients()]);
  const names = new Map(patients.map((p) => [p.id, p.display_name]));
  if (!proposals.length) return h('p.muted', null, t('proposals.none'));
  const list = h('ul.plain.proposals');
  const reload = async () => {
    mount(list.parentElement ?? list, await proposalsList(app));
  };
  for (const p of proposals) {
    const reasonId = `override-reason-${p.id}`;
    const stepId = `override-step-${p.id}`;
    const reason = /** @type {HTMLInputElement} */ (h('input', { id: reasonId }));
    const step = /** @type {HTMLSelectElement} */ (h('select', { id: stepId }, [1, 2, 3, 4].map((n) => h('option', { value: n, selected: n === p.from_step }, t('step.long', { step: n })))));
    const error = h('p.error', { role: 'alert' });
    const decide = (/** @type {boolean} */ accept) => async () => {
      error.textContent = '';
      try {
        await client.care.decide(p.id, accept ? { accept } : { accept, step: Number(step.value), reason: reason.value.trim() });
        app.toast(t(accept ? 'proposals.accepted' : 'proposals.overridden'));
        await reload();
      } catch (err) {
        error.textContent = /** @type {Error} */ (err).message;
      }
    };
    list.appendChild(
      h(
        'li.proposal',
        { 'data-proposal': p.id, 'data-patient': p.patient_id },
        h('p', null, h('strong', null, names.get(p.patient_id) ?? t('alerts.patient', { id: p.patient_id })), ': ', t('proposals.from_to', { from: p.from_step, to: p.to_step })),
        h('div.buttons', null, h('button.primary', { type: 'button', onclick: decide(true) }, t('proposals.accept'))),
        h(
          'details',
          null,
          h('summary', null, t('proposals.override')),
          h('div.field', null, h('label', { for: stepId }, t('proposals.keep_or_choose')), step),
          h('div.field', null, h('label', { for: reasonId }, t('proposals.reason')), reason),
          h('button', { type: 'button', onclick: decide(false) }, t('proposals.override_submit')),
        ),
        error,
      ),
    );
  }
  return list;
}
