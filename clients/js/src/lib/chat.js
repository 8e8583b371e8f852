// @ts-check
import { ChatRoom } from './chatroom.js';
import { Emitter } from './emitter.js';
import { ChatEvent } from './protocol.js';

export { ChatRoom, newClientId } from './chatroom.js';

/** @typedef {import('./chatroom.js').Room} Room */
/** @typedef {import('./chatroom.js').Message} Message */
/** @typedef {import('./chatroom.js').PendingMessage} PendingMessage */
/** @typedef {import('./chatroom.js').Member} Member */
/** @typedef {import('./errors.js').OncommunError} OncommunError */

/**
 * @typedef {object} ChatEvents
 * @property {Room[]} rooms                     the room list changed
 * @property {{room: number, reason: string}} left
 * @property {import('./chatroom.js').CrisisReply} crisis_reply  also when the room is not open
 */

/**
 * All chat rooms over one socket: routes server events to rooms, rejoins and catches up after a reconnect.
 * @extends {Emitter<ChatEvents>}
 */
export class Chat extends Emitter {
  /**
   * @param {import('./socket.js').OncommunSocket} socket
   * @param {{myId?: number, http?: import('./http.js').HttpApi}} [options]
   */
  constructor(socket, options = {}) {
    super();
    this.socket = socket;
    this.http = options.http ?? null;
    this.myId = options.myId ?? null;
    /** @type {Map<number, ChatRoom>} */
    this.rooms = new Map();
    /** @type {Room[]} */
    this.available = [];
    /** @type {(() => void)[]} */
    this._unsubscribe = [
      socket.listen(ChatEvent.MESSAGE, (m) => this._route(m, (room) => room._onEvent(m, m.seq))),
      socket.listen(ChatEvent.MESSAGE_CHANGED, (m) => this._route(m, (room) => room._onEvent(m, m.change_seq ?? m.seq))),
      socket.listen(ChatEvent.PRESENCE, (d) => this._route(d, (room) => room._onPresence(d))),
      socket.listen(ChatEvent.TYPING_NOTICE, (d) => this._route(d, (room) => room._onTyping(d))),
      socket.listen(ChatEvent.ROOM_LEFT, (d) => this._left(d)),
      socket.listen(ChatEvent.MUTED, (d) => this._route(d, (room) => room._onMuted(d))),
      socket.listen(ChatEvent.SLOW_MODE, (d) => this._route(d, (room) => room._onSlowMode(d))),
      socket.listen(ChatEvent.PINS, (d) => this._route(d, (room) => room._onPins(d))),
      socket.listen(ChatEvent.CRISIS_REPLY, (d) => {
        this._route(d, (room) => room._onCrisisReply(d));
        this.emit('crisis_reply', d);
      }),
      socket.on('ready', ({ reconnect }) => {
        if (reconnect) void this._rejoinAll();
      }),
      socket.on('disconnect', () => {
        for (const room of this.rooms.values()) room.joined = false;
      }),
    ];
  }

  /** The rooms this person may enter now (`GET /api/rooms`), with role, read marker and unread count. */
  async listRooms() {
    if (!this.http) throw new Error('listRooms needs the HTTP API');
    /** @type {{rooms: Room[]}} */
    const body = await this.http.get('/api/rooms');
    this.available = body.rooms;
    for (const info of this.available) {
      const room = this.rooms.get(info.id);
      if (room) info.unread = room.active ? 0 : room.unread;
    }
    this.emit('rooms', this.available);
    return this.available;
  }

  /**
   * The ChatRoom for `roomId`, joined.
   * @param {number} roomId
   */
  async open(roomId) {
    let room = this.rooms.get(roomId);
    if (!room) {
      const info = this.available.find((r) => r.id === roomId) ?? /** @type {Room} */ ({ id: roomId, name: '', kind: 'community', step: 1, site_id: 0, last_seq: 0 });
      room = new ChatRoom(this.socket, info);
      room.myId = this.myId;
      this.rooms.set(roomId, room);
    }
    room.active = true;
    if (!room.joined) await room.join();
    return room;
  }

  /**
   * Stop showing a room. It stays joined, so its unread count keeps rising while the person is elsewhere;
   * `leave` takes it out for good.
   * @param {number} roomId
   */
  close(roomId) {
    const room = this.rooms.get(roomId);
    if (room) room.active = false;
  }

  /** @param {number} roomId */
  async leave(roomId) {
    const room = this.rooms.get(roomId);
    if (!room) return;
    this.rooms.delete(roomId);
    await room.leave();
    room.removeAllListeners();
  }

  /**
   * After a reconnect: one `catch_up` rejoins every room we were in and returns, per room, everything
   * created or changed after our seq; a room we may no longer enter comes back as an error.
   */
  async _rejoinAll() {
    const rooms = [...this.rooms.values()];
    if (!rooms.length) return;
    /** @type {Record<string, number>} */
    const cursors = {};
    for (const room of rooms) cursors[room.id] = room.seq;
    let ack;
    try {
      /** @type {{rooms: Record<string, any>}} */
      ack = await this.socket.request(ChatEvent.CATCH_UP, { rooms: cursors });
    } catch {
      // Fall back to joining one by one.
      await Promise.all(rooms.map((room) => room.join().catch((/** @type {OncommunError} */ err) => this._left({ room: room.id, reason: err.code }))));
      return;
    }
    for (const room of rooms) {
      const result = ack.rooms[String(room.id)];
      if (!result || result.error) {
        this._left({ room: room.id, reason: result?.error?.code ?? 'removed' });
        continue;
      }
      room.joined = true;
      room.applyChanges(result.messages ?? [], result.upto);
      if (result.more) void room.repair().catch(() => {});
      void room.loadMembers().catch(() => {});
    }
  }

  /**
   * @param {{room?: number, room_id?: number}} data
   * @param {(room: ChatRoom) => void} apply
   */
  _route(data, apply) {
    const room = this.rooms.get(/** @type {number} */ (data.room ?? data.room_id));
    if (!room) return;
    apply(room);
    if (!room.active) {
      const info = this.available.find((r) => r.id === room.id);
      if (info && info.unread !== room.unread) {
        info.unread = room.unread;
        this.emit('rooms', this.available);
      }
    }
  }

  /** @param {{room: number, reason: string}} data */
  _left(data) {
    const room = this.rooms.get(data.room);
    if (room) {
      room.joined = false;
      this.rooms.delete(data.room);
      room.emit('left', { reason: data.reason });
    }
    this.available = this.available.filter((r) => r.id !== data.room);
    this.emit('left', data);
    this.emit('rooms', this.available);
  }

  /**
   * Tell the rooms we are away (tab hidden) or back online.
   * @param {'online'|'away'} state
   */
  async setPresence(state) {
    if (!this.socket.connected) return;
    await this.socket.request(ChatEvent.PRESENCE_SET, { state }).catch(() => {});
  }

  dispose() {
    for (const off of this._unsubscribe) off();
    this.removeAllListeners();
  }
}
