// @ts-check
import { formatTime, h, mount } from '../dom.js';
import { language, t } from '../i18n.js';

/** @type {import('../main.js').View} */
export async function moderationView(app, main) {
  const { client } = app;
  const moderation = client.moderation;
  const list = h('ul.queue', { 'data-testid': 'queue' });
  const act = (/** @type {Promise<unknown>} */ p) => void p.then(() => app.toast(t('moderation.done'))).catch((e) => app.toast(e.message, 'error'));

  const draw = () => {
    const items = moderation.queue();
    if (!items.length) {
      mount(list, h('li.muted', null, t('moderation.empty')));
      return;
    }
    mount(
      list,
      items.map((item) => {
        const m = item.message;
        return h(
          'li.card',
          { 'data-item': item.id, 'data-kind': item.kind },
          h('p', null, h('span.tag', null, t(`moderation.kind.${item.kind}`)), item.reason ? ` ${t(`moderation.reason.${item.reason}`)}` : '', ' · ', h('time', { datetime: item.created_at }, formatTime(item.created_at, language()))),
          m ? h('blockquote', null, h('p.author', null, m.author.name), h('p', null, m.text ?? t('chat.hidden'))) : null,
          h(
            'div.buttons',
            null,
            item.kind === 'held' ? h('button.primary', { type: 'button', 'data-action': 'approve', onclick: () => act(moderation.resolve(item.id, 'approve')) }, t('moderation.approve')) : null,
            item.kind === 'held' ? h('button', { type: 'button', 'data-action': 'reject', onclick: () => act(moderation.resolve(item.id, 'reject')) }, t('moderation.reject')) : null,
            item.kind !== 'held' && m ? h('button', { type: 'button', 'data-action': 'hide', onclick: () => act(moderation.resolve(item.id, 'hide')) }, t('moderation.hide')) : null,
            item.kind !== 'held' ? h('button', { type: 'button', 'data-action': 'dismiss', onclick: () => act(moderation.resolve(item.id, 'dismiss')) }, t('moderation.dismiss')) : null,
            h('button', { type: 'button', onclick: () => act(moderation.mute(item.room, item.author, 30)) }, t('moderation.mute_30')),
            m ? h('button', { type: 'button', onclick: () => act(moderation.escalate(m.id, '')) }, t('moderation.escalate')) : null,
            h('a.button', { href: `#/room/${item.room}` }, t('moderation.open_room')),
          ),
        );
      }),
    );
  };
  const off = moderation.on('queue', draw);
  mount(main, h('h1', null, t('moderation.title')), list);
  mount(list, h('li.muted', null, t('common.loading')));
  const staff = client.hasRole('psychologist') || client.hasRole('admin');
  const rooms = staff ? [] : await client.chat.listRooms();
  if (!staff) {
    // Join the moderated rooms, so their new items arrive live.
    for (const r of rooms) if (r.role === 'moderator' || r.role === 'owner') void client.chat.open(r.id).then(() => client.chat.close(r.id)).catch(() => {});
  }
  await moderation.loadMine({ staff, rooms }).catch((e) => mount(list, h('li.error', null, t('error.section'), ' ', h('span.muted', null, e.message))));
  return off;
}
