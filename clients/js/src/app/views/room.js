// @ts-check
import { OncommunError, REPORT_REASONS } from '../../lib/index.js';
import { announce, formatTime, h, mount } from '../dom.js';
import { language, t } from '../i18n.js';
import { liveSessionsPanel } from './live.js';

/** @type {import('../main.js').View} */
export async function roomView(app, main, [roomIdText]) {
  const { client } = app;
  const roomId = Number(roomIdText);
  if (!client.chat.available.length) await client.chat.listRooms().catch(() => []);
  const panel = await chatPanel(app, roomId);
  const room = panel.room;
  mount(
    main,
    h('div.room-head', null, h('h1', null, room.room.name), h('p.muted', null, t(`room.kind.${room.room.kind}`), ' · ', t('step.short', { step: room.room.step }))),
    room.room.kind === 'therapy' ? liveSessionsPanel(app, room.id) : null,
    panel.el,
  );
  panel.scrollToEnd();
  return panel.dispose;
}

/**
 * A room's chat: history, typing, presence, read markers, the composer and moderators' buttons.
 * @param {import('../main.js').App} app
 * @param {number} roomId
 * @param {{compact?: boolean}} [options]  compact: beside the video of a live session
 */
export async function chatPanel(app, roomId, options = {}) {
  const { client } = app;
  const room = await client.chat.open(roomId);
  const me = client.me?.id;
  // Staff (psychologists and admins) have every tool in their site's rooms, and only staff undo what a
  // moderator did: a mentor can neither unpin nor show again a hidden message (moderation/permissions.py).
  const staff = client.hasRole('psychologist') || client.hasRole('admin');
  const canModerate = room.room.role === 'moderator' || room.room.role === 'owner' || staff || (client.hasRole('mentor') && room.room.kind === 'community');

  const list = h('ol.message-list');
  const log = h('div.messages', { role: 'log', 'aria-live': 'polite', 'aria-relevant': 'additions', 'aria-label': t('chat.messages'), tabindex: '0', 'data-testid': 'messages' }, list);
  const older = h('button.link', { type: 'button', onclick: () => void room.loadOlder().catch((e) => app.toast(e.message, 'error')) }, t('chat.load_older'));
  const typing = h('p.typing', { 'aria-live': 'polite', 'data-testid': 'typing' });
  const notices = h('div.notices', { 'data-testid': 'room-notices' });
  const pinned = h('div.pinned', { 'data-testid': 'pinned' });
  const members = h('ul.members', { 'data-testid': 'members' });
  const input = /** @type {HTMLTextAreaElement} */ (h('textarea', { id: 'composer', 'aria-describedby': 'composer-hint send-error', name: 'text', rows: 2, maxlength: 4000, autocomplete: 'off' }));
  const sendError = h('p.error', { role: 'alert', id: 'send-error' });

  /** @type {import('../../lib/chat.js').Message | null} */
  let replyTo = null;
  const replying = h('p.replying', { hidden: true, 'data-testid': 'replying' });
  const setReply = (/** @type {import('../../lib/chat.js').Message | null} */ m) => {
    replyTo = m;
    replying.hidden = !m;
    if (m) {
      mount(replying, t('chat.replying_to', { name: m.author.name }), ' ', h('button.link', { type: 'button', onclick: () => setReply(null) }, t('chat.cancel_reply')));
      input.focus();
    }
  };
  const send = () => {
    const text = input.value.trim();
    if (!text) return;
    input.value = '';
    sendError.textContent = '';
    const options = { replyTo: replyTo?.id ?? null };
    setReply(null);
    room.send(text, options).catch((/** @type {OncommunError} */ err) => {
      sendError.textContent = err.message;
    });
  };
  const composer = h(
    'form.composer',
    { onsubmit: (/** @type {Event} */ e) => (e.preventDefault(), send()) },
    replying,
    h('label', { for: 'composer' }, t('chat.write')),
    h('div.composer-row', null, input, h('button.primary', { type: 'submit' }, t('chat.send'))),
    h('p.hint', { id: 'composer-hint' }, t('chat.hint')),
    sendError,
  );
  input.addEventListener('keydown', (event) => {
    if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      send();
    }
  });
  input.addEventListener('input', () => room.typingNotice());

  /** @param {import('../../lib/chat.js').Message} m */
  const messageItem = (m) => {
    const gone = m.visibility === 'hidden' || m.visibility === 'deleted';
    const mine = m.author.id === me;
    const parent = m.reply_to ? [...room.messages.values()].find((x) => x.id === m.reply_to) : null;
    return h(
      `li.message${mine ? '.mine' : ''}${gone ? '.gone' : ''}`,
      { 'data-id': m.id, 'data-seq': m.seq, 'data-visibility': m.visibility },
      h('div.meta', null, h('span.author', null, m.author.name || (mine ? client.me?.display_name : '')), ' ', h('time', { datetime: m.ts }, formatTime(m.ts, language())), m.edited_at ? h('span.muted', null, ` (${t('chat.edited')})`) : null),
      m.reply_to ? h('p.reply-to', null, t('chat.in_reply_to', { name: parent?.author.name ?? '…' }), parent?.text ? `: ${parent.text.slice(0, 80)}` : '') : null,
      gone
        ? h('p.tombstone', null, t(m.visibility === 'hidden' ? 'chat.hidden' : 'chat.deleted'))
        : h('p.text', null, m.text),
      m.visibility === 'held' ? h('p.held', null, t('chat.held')) : null,
      // Rejected: never published; only its author and the moderators receive it at all.
      m.visibility === 'rejected' ? h('p.held', null, t('chat.rejected')) : null,
      !gone && Object.keys(m.reactions ?? {}).length
        ? h('p.reactions', null, Object.entries(m.reactions).map(([emoji, users]) => h('span.reaction', { 'aria-label': `${emoji} ${users.length}` }, `${emoji} ${users.length}`)))
        : null,
      h(
        'div.actions',
        null,
        !gone && m.visibility === 'visible' ? h('button.link', { type: 'button', onclick: () => setReply(m) }, t('chat.reply')) : null,
        !gone && mine && m.visibility !== 'rejected' ? h('button.link', { type: 'button', onclick: () => void room.remove(m.id).catch((e) => app.toast(e.message, 'error')) }, t('chat.delete')) : null,
        // Hide applies to visible messages only (a held one is approved or rejected in the moderation queue).
        canModerate && !mine && m.visibility === 'visible'
          ? h('button.link', { type: 'button', 'data-action': 'hide', onclick: () => void client.moderation.hide(m.id).then(() => announce(t('moderation.hidden'))).catch((e) => app.toast(e.message, 'error')) }, t('moderation.hide'))
          : null,
        canModerate && m.visibility === 'visible' && (staff || !room.pins.includes(m.id))
          ? h('button.link', { type: 'button', 'aria-pressed': String(room.pins.includes(m.id)), onclick: () => void client.moderation.pin(m.id, !room.pins.includes(m.id)).catch((e) => app.toast(e.message, 'error')) }, t(room.pins.includes(m.id) ? 'moderation.unpin' : 'moderation.pin'))
          : null,
        !gone && canModerate && !mine
          ? h('button.link', { type: 'button', onclick: () => void client.moderation.mute(room.id, m.author.id, 30).then(() => app.toast(t('moderation.muted', { name: m.author.name }))).catch((e) => app.toast(e.message, 'error')) }, t('moderation.mute_30'))
          : null,
        m.visibility === 'hidden' && staff
          ? h('button.link', { type: 'button', onclick: () => void client.moderation.unhide(m.id).catch((e) => app.toast(e.message, 'error')) }, t('moderation.unhide'))
          : null,
        !gone && !mine && !canModerate
          ? h('button.link', { type: 'button', 'aria-expanded': 'false', onclick: (/** @type {Event} */ e) => reportForm(/** @type {HTMLElement} */ (e.currentTarget), m) }, t('chat.report'))
          : null,
      ),
    );
  };

  /**
   * Ask why, then report the message to the moderators.
   * @param {HTMLElement} button
   * @param {import('../../lib/chat.js').Message} m
   */
  const reportForm = (button, m) => {
    const id = `report-${m.id}`;
    const select = /** @type {HTMLSelectElement} */ (h('select', { id }, REPORT_REASONS.map((r) => h('option', { value: r }, t(`report.reason.${r}`)))));
    const form = h(
      'form.report',
      {
        onsubmit: (/** @type {Event} */ e) => {
          e.preventDefault();
          client.moderation
            .report(m.id, /** @type {typeof REPORT_REASONS[number]} */ (select.value))
            .then(() => app.toast(t('chat.reported')))
            .catch((err) => app.toast(err.message, 'error'))
            .finally(() => form.remove());
        },
      },
      h('label', { for: id }, t('report.why')),
      select,
      h('button', { type: 'submit' }, t('report.send')),
    );
    button.setAttribute('aria-expanded', 'true');
    button.after(form);
    select.focus();
  };

  /** @param {import('../../lib/chat.js').PendingMessage} p */
  const pendingItem = (p) =>
    h(
      'li.message.mine.pending',
      { 'data-client-id': p.client_id, 'data-status': p.status },
      h('div.meta', null, h('span.author', null, client.me?.display_name), ' ', h('span.muted', null, t(`chat.status.${p.status}`))),
      h('p.text', null, p.text),
      p.status === 'failed'
        ? h('div.actions', null, h('span.error', null, p.error?.message ?? ''), ' ', h('button.link', { type: 'button', onclick: () => void room.retry(p.client_id).catch(() => {}) }, t('chat.retry')), h('button.link', { type: 'button', onclick: () => room.discard(p.client_id) }, t('chat.discard')))
        : null,
    );

  const draw = () => {
    const atBottom = log.scrollHeight - log.scrollTop - log.clientHeight < 40;
    mount(list, room.list().map(messageItem), [...room.pending.values()].map(pendingItem));
    if (atBottom) log.scrollTop = log.scrollHeight;
    older.hidden = !room.hasOlder;
    const who = room.typingNow().map((u) => u.name);
    typing.textContent = who.length ? t(who.length === 1 ? 'chat.typing_one' : 'chat.typing_many', { names: who.join(', ') }) : '';
    mount(
      members,
      [...room.members.values()]
        .sort((a, b) => Number(b.presence === 'online') - Number(a.presence === 'online') || a.name.localeCompare(b.name))
        .map((m) => h('li', { 'data-presence': m.presence }, h('span.dot', { 'aria-hidden': 'true' }), m.name, h('span.visually-hidden', null, ` (${t(`presence.${m.presence}`)})`))),
    );
    const muted = room.mutedUntil && room.mutedUntil.getTime() > Date.now();
    mount(
      notices,
      muted ? h('p.notice', { role: 'status' }, t('chat.muted_until', { time: formatTime(/** @type {Date} */ (room.mutedUntil), language()) })) : null,
      room.slowModeSeconds > 0 ? h('p.notice', null, t('chat.slow_mode', { seconds: room.slowModeSeconds })) : null,
    );
    const pins = room.pins.map((id) => room.messages.get(id)).filter((m) => m && m.text);
    mount(pinned, pins.length ? [h('h2.visually-hidden', null, t('chat.pinned')), pins.map((m) => h('p', null, h('span.tag', null, t('chat.pinned')), ' ', /** @type {any} */ (m).text))] : null);
    if (document.visibilityState === 'visible') void room.markRead();
  };
  const offs = [room.on('change', draw), room.on('left', ({ reason }) => { app.toast(t('room.left', { reason: t(`room.left_reason.${reason}`) }), 'error'); app.go('/'); })];

  const el = h(
    `div.room${options.compact ? '.compact' : ''}`,
    null,
    h('section.chat', { 'aria-label': t('chat.title') }, pinned, older, log, typing, notices, composer),
    h('aside.people', { 'aria-labelledby': 'members-title' }, h('h2', { id: 'members-title' }, t('chat.members')), members),
  );
  draw();
  return {
    el,
    room,
    scrollToEnd: () => {
      log.scrollTop = log.scrollHeight;
    },
    dispose: () => {
      offs.forEach((off) => off());
      void client.chat.close(roomId);
    },
  };
}
