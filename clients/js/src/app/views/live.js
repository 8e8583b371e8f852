// @ts-check
import { announce, h, mount } from '../dom.js';
import { language, t } from '../i18n.js';
import { chatPanel } from './room.js';

/**
 * The live sessions of a therapy room, shown above its chat: join an open one; a psychologist starts one.
 * @param {import('../main.js').App} app
 * @param {number} roomId
 */
export function liveSessionsPanel(app, roomId) {
  const { client } = app;
  const body = h('div', null, h('p.muted', null, t('common.loading')));
  const el = h('section.card.live-panel', { 'aria-labelledby': 'live-title', 'data-testid': 'live-panel' }, h('h2', { id: 'live-title' }, t('live.title')), body);
  const load = async () => {
    try {
      const sessions = (await client.liveSessions(roomId)).filter((s) => s.state !== 'ended');
      const open = sessions.some((s) => s.state === 'open');
      mount(
        body,
        sessions.length
          ? h('ul.plain', null, sessions.map((s) => h('li', null, h('a.button.primary', { href: `#/live/${s.id}`, 'data-session': s.id }, t('live.join', { title: s.title || t('live.session') })), ' ', h('span.muted', null, t(`live.state.${s.state}`), ' · ', new Intl.DateTimeFormat(language(), { timeStyle: 'short' }).format(new Date(s.starts_at))))))
          : h('p.muted', null, t('live.none')),
        client.hasRole('psychologist') && !open
          ? h(
              'button',
              {
                type: 'button',
                'data-action': 'start-live',
                onclick: async () => {
                  try {
                    const session = await client.startLiveSession(roomId, { title: t('live.session') });
                    app.go(`/live/${session.id}`);
                  } catch (err) {
                    app.toast(/** @type {Error} */ (err).message, 'error');
                  }
                },
              },
              t('live.start'),
            )
          : null,
      );
    } catch (err) {
      mount(body, h('p.error', null, t('error.section'), ' ', h('span.muted', null, /** @type {Error} */ (err).message)));
    }
  };
  void load();
  return el;
}

/** @type {import('../main.js').View} */
export async function liveView(app, main, [sessionIdText]) {
  const { client } = app;
  const sessionId = Number(sessionIdText);
  const live = await client.live(sessionId);
  window.oncommun.live = live; // for diagnostics (and the browser tests' getStats checks)
  /** @type {Map<number, HTMLElement>} */
  const tiles = new Map();

  const status = h('p.live-status', { role: 'status', 'data-testid': 'live-status' });
  const grid = h('div.video-grid', { 'data-testid': 'video-grid' });
  const controls = h('div.controls', { role: 'toolbar', 'aria-label': t('live.controls') });
  const hostPanel = h('section.card.host', { 'aria-labelledby': 'host-title', hidden: true }, h('h2', { id: 'host-title' }, t('live.host_controls')));
  const chatSlot = h('div.live-chat');

  const act = (/** @type {Promise<unknown>} */ promise) => void promise.catch((e) => app.toast(e.message, 'error'));
  let leftReason = 'left';
  const name = (/** @type {number} */ id) => live.participants.get(id)?.display_name ?? String(id);

  /** @param {number | 'me'} key @param {MediaStream} stream */
  const tile = (key, stream) => {
    const userId = key === 'me' ? /** @type {number} */ (client.me?.id) : key;
    let el = tiles.get(userId);
    const video = /** @type {HTMLVideoElement} */ (el?.querySelector('video') ?? h('video', { autoplay: true, playsInline: true, muted: key === 'me' }));
    if (video.srcObject !== stream) video.srcObject = stream;
    if (!el) {
      el = h('figure.tile', { 'data-user': userId, 'data-remote': key === 'me' ? 'false' : 'true' }, video, h('figcaption'));
      tiles.set(userId, el);
    }
    video.play().catch(() => {});
    return el;
  };

  const draw = () => {
    const state = live.state;
    status.textContent = state === 'left' ? t(`live.status.${leftReason}`) : t(`live.status.${state}`);
    hostPanel.hidden = !live.isHost;
    const wanted = new Set();
    if (live.local && state === 'admitted') {
      wanted.add(client.me?.id);
      grid.appendChild(tile('me', live.local));
    }
    for (const [userId, stream] of live.remote) {
      wanted.add(userId);
      grid.appendChild(tile(userId, stream));
    }
    for (const [userId, el] of tiles) {
      if (!wanted.has(userId)) {
        el.remove();
        tiles.delete(userId);
        continue;
      }
      const p = live.participants.get(userId);
      const isMe = userId === client.me?.id;
      const speaking = live.activeSpeaker === userId;
      el.classList.toggle('speaking', speaking);
      el.dataset.speaking = String(speaking);
      const mic = isMe ? live.micOn : Boolean(p?.audio.forwarding ?? true);
      mount(
        /** @type {HTMLElement} */ (el.querySelector('figcaption')),
        isMe ? t('live.you') : name(userId),
        mic ? null : h('span.tag', null, t('live.muted')),
        p?.hand_raised ? h('span.tag', null, '✋ ', t('live.hand')) : null,
        speaking ? h('span.visually-hidden', null, ` (${t('live.speaking')})`) : null,
      );
    }
    grid.dataset.count = String(tiles.size);
    mount(
      controls,
      h('button', { type: 'button', 'aria-pressed': String(!live.micOn), 'data-action': 'mic', disabled: state !== 'admitted', onclick: () => act(live.setMic(!live.micOn)) }, live.micOn ? t('live.mute_me') : t('live.unmute_me')),
      h('button', { type: 'button', 'aria-pressed': String(!live.cameraOn), 'data-action': 'camera', disabled: state !== 'admitted', onclick: () => act(live.setCamera(!live.cameraOn)) }, live.cameraOn ? t('live.camera_off') : t('live.camera_on')),
      h('button', { type: 'button', 'aria-pressed': String(live.handRaised), 'data-action': 'hand', disabled: state !== 'admitted', onclick: () => act(live.raiseHand(!live.handRaised)) }, live.handRaised ? t('live.lower_hand') : t('live.raise_hand')),
      state === 'left'
        ? h('a.button', { href: live.roomId ? `#/room/${live.roomId}` : '#/' }, t('live.back'))
        : h('button.danger', { type: 'button', 'data-action': 'leave', onclick: () => void live.leave() }, t('live.leave')),
    );
    if (live.isHost) drawHost();
  };


  const drawHost = () => {
    const waiting = live.waiting;
    const admitted = [...live.participants.values()].filter((p) => p.user_id !== client.me?.id);
    mount(
      hostPanel,
      h('h2', { id: 'host-title' }, t('live.host_controls')),
      h('h3', null, t('live.waiting_room'), ` (${waiting.length})`),
      waiting.length
        ? h('ul.plain.waiting', { 'data-testid': 'waiting' }, waiting.map((p) => h('li', { 'data-user': p.user_id }, p.display_name, ' ', h('button', { type: 'button', 'data-action': 'admit', 'aria-label': t('live.admit_someone', { name: p.display_name }), onclick: () => act(live.admit(p.user_id)) }, t('live.admit')))))
        : h('p.muted', null, t('live.nobody_waiting')),
      waiting.length > 1 ? h('button', { type: 'button', 'data-action': 'admit-all', onclick: () => act(live.admitAll()) }, t('live.admit_all')) : null,
      h('h3', null, t('live.participants')),
      h(
        'ul.plain.participants',
        { 'data-testid': 'participants' },
        admitted.map((p) =>
          h(
            'li',
            { 'data-user': p.user_id },
            h('span', null, p.display_name, p.hand_raised ? ` ✋` : '', p.audio.host_muted ? h('span.tag', null, t('live.muted')) : null),
            h(
              'span.buttons',
              null,
              p.audio.host_muted
                ? h('button', { type: 'button', onclick: () => act(live.askUnmute(p.user_id)), 'aria-label': t('live.ask_unmute_someone', { name: p.display_name }) }, t('live.ask_unmute'))
                : h('button', { type: 'button', 'data-action': 'mute', onclick: () => act(live.mute(p.user_id)), 'aria-label': t('live.mute_someone', { name: p.display_name }) }, t('live.mute')),
              h('button', { type: 'button', onclick: () => act(live.cameraOff(p.user_id)), 'aria-label': t('live.camera_off_someone', { name: p.display_name }) }, t('live.camera_off')),
              h('button.danger', { type: 'button', 'data-action': 'remove', onclick: () => act(live.remove(p.user_id)), 'aria-label': t('live.remove_someone', { name: p.display_name }) }, t('live.remove')),
            ),
          ),
        ),
      ),
      h(
        'div.buttons',
        null,
        h('button', { type: 'button', 'aria-pressed': String(live.locked), onclick: () => act(live.lock(!live.locked)) }, live.locked ? t('live.unlock') : t('live.lock')),
        h('button.danger', { type: 'button', 'data-action': 'end', onclick: () => act(live.end()) }, t('live.end')),
      ),
    );
  };

  const offs = [
    live.on('change', draw),
    live.on('state', (state) => state !== 'left' && announce(t(`live.status.${state}`))),
    live.on('left', ({ reason }) => {
      leftReason = reason;
      if (reason !== 'left') app.toast(t(`live.status.${reason}`), 'error');
    }),
    live.on('media_control', ({ action, kind }) => app.toast(t(`live.host_did.${action}.${kind}`))),
    live.on('error', (err) => app.toast(err.message, 'error')),
  ];

  mount(
    main,
    h('h1', null, t('live.session')),
    status,
    h('div.live', null, h('div.stage', null, grid, controls), h('div.side', null, hostPanel, chatSlot)),
  );
  draw();
  const state = await live.join();
  announce(t(`live.status.${state}`));
  // The room's chat sits beside the video.
  /** @type {(() => void) | null} */
  let closeChat = null;
  const roomId = live.roomId;
  if (typeof roomId === 'number') {
    const panel = await chatPanel(app, roomId, { compact: true }).catch(() => null);
    if (panel) {
      chatSlot.appendChild(panel.el);
      closeChat = panel.dispose;
    }
  }
  return () => {
    offs.forEach((off) => off());
    closeChat?.();
    if (live.state === 'admitted' || live.state === 'waiting') void live.leave().catch(() => {});
    else live.dispose();
  };
}
