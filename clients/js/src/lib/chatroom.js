// @ts-check
import { Emitter } from './emitter.js';
import { OncommunError } from './errors.js';
import { ChatEvent } from './protocol.js';

/**
 * @typedef {object} Room
 * @property {number} id
 * @property {number} site_id
 * @property {'campus'|'community'|'therapy'|'direct'} kind
 * @property {number} step
 * @property {string} name
 * @property {number} last_seq
 * @property {number} [unread]
 * @property {string} [role]     the caller's role in the room: owner, moderator or member
 */

/**
 * @typedef {object} Message
 * @property {number} id
 * @property {number} room
 * @property {number} seq
 * @property {number} change_seq
 * @property {{id: number, name: string}} author
 * @property {string} client_id
 * @property {string | null} text       null for a tombstone (deleted or hidden)
 * @property {number | null} reply_to
 * @property {'visible'|'held'|'rejected'|'hidden'|'deleted'} visibility  held and rejected: only its author and the moderators see it
 * @property {string} ts
 * @property {string | null} edited_at
 * @property {Record<string, number[]>} reactions
 */

/**
 * A message of ours not yet acknowledged by the server.
 * @typedef {object} PendingMessage
 * @property {string} client_id
 * @property {string} text
 * @property {number | null} reply_to
 * @property {'sending'|'retrying'|'failed'} status
 * @property {number} attempts
 * @property {OncommunError | null} error
 */

/**
 * @typedef {object} Member
 * @property {number} id
 * @property {string} name
 * @property {string} [role]
 * @property {'online'|'away'|'offline'} presence
 */

/**
 * The supportive reply a person receives, alone, when moderation held their message for crisis language.
 * @typedef {object} CrisisReply
 * @property {number} room
 * @property {number} message
 * @property {string} language
 * @property {string} text
 * @property {{name: string, phone?: string, hours?: string, url?: string}[]} resources
 */

/**
 * @typedef {object} ChatRoomEvents
 * @property {void} change                 anything visible changed: re-render
 * @property {Message} message             a new message in seq order
 * @property {Message} updated             an edit, deletion, hiding or reaction
 * @property {{user: {id: number, name: string}}} typing
 * @property {{reason: string}} left       the server took us out of the room
 * @property {{client_id: string, error: OncommunError}} send_failed
 * @property {{from: number, to: number}} gap_repaired
 * @property {CrisisReply} crisis_reply
 */

/** How long someone counts as typing after their last typing event. */
const TYPING_TTL_MS = 5000;
/** We tell others we are typing at most this often. */
const TYPING_THROTTLE_MS = 2500;
const SEND_TIMEOUT_MS = 5000;
const MAX_BACKOFF_MS = 8000;

/**
 * @param {number} attempt
 */
function backoff(attempt) {
  return Math.min(MAX_BACKOFF_MS, 250 * 2 ** attempt) * (0.75 + Math.random() * 0.5);
}

/** @param {number} ms */
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

export function newClientId() {
  return globalThis.crypto?.randomUUID?.() ?? `c-${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`;
}

/**
 * One chat room as seen by this client: messages in seq order, our unacknowledged sends, members,
 * presence, typing and read markers.
 *
 * Delivery is repaired by seq: the room's seq rises with every message and every change, so an event whose
 * seq is beyond the next one we expect means we missed something (Redis may drop a broadcast, the socket
 * may drop) and we fetch the missing range from the durable history.
 * @extends {Emitter<ChatRoomEvents>}
 */
export class ChatRoom extends Emitter {
  /**
   * @param {import('./socket.js').OncommunSocket} socket
   * @param {Room} room
   */
  constructor(socket, room) {
    super();
    this.socket = socket;
    this.room = room;
    this.id = room.id;
    /** @type {Map<number, Message>} by message id */
    this.messages = new Map();
    /** @type {Map<string, PendingMessage>} by client id */
    this.pending = new Map();
    /** @type {Map<number, Member>} */
    this.members = new Map();
    /** @type {Map<number, {name: string, until: number}>} */
    this.typing = new Map();
    /** The highest room seq (message or change) we have applied. */
    this.seq = 0;
    this.readSeq = 0;
    this.joined = false;
    this.hasOlder = true;
    /** @type {Message[] | null} */
    this._sorted = null;
    this._lastTypingSent = 0;
    /** @type {Promise<void> | null} */
    this._repairing = null;
    /** @type {number | null} */
    this.myId = null;
    /** Shown on screen now (its new messages are read at once); otherwise they count as unread. */
    this.active = false;
    /** @type {Date | null} until when we may not send here (a moderator muted us) */
    this.mutedUntil = null;
    /** seconds between two messages of one member; 0: off */
    this.slowModeSeconds = 0;
    /** @type {number[]} pinned message ids */
    this.pins = [];
    /** @type {CrisisReply[]} */
    this.crisisReplies = [];
  }

  /** Messages in seq order. */
  list() {
    if (!this._sorted) this._sorted = [...this.messages.values()].sort((a, b) => a.seq - b.seq);
    return this._sorted;
  }

  get unread() {
    let count = 0;
    for (const message of this.messages.values()) {
      if (message.seq > this.readSeq && message.author.id !== this.myId && message.visibility === 'visible') count += 1;
    }
    return Math.max(count, this.room.unread ?? 0);
  }

  /** The room's read marker from the server's room list. */
  get serverReadSeq() {
    return /** @type {any} */ (this.room).last_read_seq ?? 0;
  }

  /** People typing now (not us). */
  typingNow() {
    const now = Date.now();
    return [...this.typing.entries()].filter(([, t]) => t.until > now).map(([id, t]) => ({ id, name: t.name }));
  }

  // --- joining ---

  /**
   * Join the room, then load the latest page of history and the members with their presence.
   * The socket is in the room before the history is read, so nothing falls between the two: a message
   * committed meanwhile arrives live and is deduplicated by seq.
   */
  async join() {
    /** @type {{room: Room, role: string, pins?: number[], slow_mode_seconds?: number}} */
    const ack = await this.socket.request(ChatEvent.JOIN, { room: this.id });
    this.joined = true;
    this.room = { ...this.room, ...ack.room, role: ack.role };
    // Both change live afterwards (`pins`, `slow_mode`); the join answer says where they stand now.
    if (ack.pins) this.pins = ack.pins;
    if (ack.slow_mode_seconds !== undefined) this.slowModeSeconds = ack.slow_mode_seconds;
    this.readSeq = Math.max(this.readSeq, this.serverReadSeq);
    const first = this.messages.size === 0;
    if (first) {
      // Start counting from the room's seq now; older history comes as a page, newer arrives live.
      this.seq = Math.max(this.seq, ack.room.last_seq);
      /** @type {any} */
      const page = await this.socket.request(ChatEvent.HISTORY, { room: this.id, limit: 50 });
      for (const message of page.messages ?? []) this._store(message);
      this.hasOlder = Boolean(page.more);
    } else if (ack.room.last_seq > this.seq) {
      await this.repair();
    }
    await this.loadMembers().catch(() => {});
    this.emit('change', undefined);
  }

  /** Members with their presence (online, away, offline) and read markers. */
  async loadMembers() {
    /** @type {{members: any[]}} */
    const ack = await this.socket.request(ChatEvent.MEMBERS, { room: this.id });
    this._setMembers(ack.members);
    this.emit('change', undefined);
  }

  async leave() {
    this.joined = false;
    try {
      await this.socket.request(ChatEvent.LEAVE, { room: this.id });
    } catch {
      // Leaving a room we are no longer in is fine.
    }
  }

  // --- sending, with client ids and retry ---

  /**
   * Send a message. It shows at once as pending, and is retried with the same client id until the server
   * acknowledges it (after committing it) or refuses it for good; the server never stores it twice.
   * @param {string} text
   * @param {{replyTo?: number | null}} [options]
   * @returns {Promise<{id: number, seq: number, ts: string}>}
   */
  send(text, options = {}) {
    /** @type {PendingMessage} */
    const pending = {
      client_id: newClientId(),
      text,
      reply_to: options.replyTo ?? null,
      status: 'sending',
      attempts: 0,
      error: null,
    };
    this.pending.set(pending.client_id, pending);
    this.emit('change', undefined);
    return this._deliver(pending);
  }

  /**
   * Try a failed message again (same client id).
   * @param {string} clientId
   */
  retry(clientId) {
    const pending = this.pending.get(clientId);
    if (!pending || pending.status !== 'failed') return Promise.reject(new Error('nothing to retry'));
    pending.status = 'sending';
    pending.error = null;
    this.emit('change', undefined);
    return this._deliver(pending);
  }

  /** @param {string} clientId */
  discard(clientId) {
    this.pending.delete(clientId);
    this.emit('change', undefined);
  }

  /**
   * @param {PendingMessage} pending
   * @returns {Promise<{id: number, seq: number, ts: string}>}
   */
  async _deliver(pending) {
    for (;;) {
      if (!this.pending.has(pending.client_id)) throw new OncommunError('cancelled', 'cancelled');
      if (!this.socket.connected || !this.joined) {
        if (pending.status !== 'retrying') {
          pending.status = 'retrying';
          this.emit('change', undefined);
        }
        await this._waitForJoin();
        continue;
      }
      pending.attempts += 1;
      try {
        /** @type {{id: number, seq: number, ts: string}} */
        const ack = await this.socket.request(
          ChatEvent.SEND,
          { room: this.id, text: pending.text, client_id: pending.client_id, reply_to: pending.reply_to ?? undefined },
          { timeoutMs: SEND_TIMEOUT_MS },
        );
        this._acknowledged(pending, ack);
        return ack;
      } catch (err) {
        const error = err instanceof OncommunError ? err : new OncommunError('unknown', String(err));
        if (!error.retryable) {
          pending.status = 'failed';
          pending.error = error;
          this.emit('send_failed', { client_id: pending.client_id, error });
          this.emit('change', undefined);
          throw error;
        }
        pending.status = 'retrying';
        this.emit('change', undefined);
        await sleep(backoff(pending.attempts));
      }
    }
  }

  /**
   * @param {PendingMessage} pending
   * @param {{id: number, seq: number, ts: string} & Partial<Message>} ack
   */
  _acknowledged(pending, ack) {
    this.pending.delete(pending.client_id);
    if (!this.messages.has(ack.id)) {
      // The broadcast may come later (or never, if the pub/sub dropped it): show ours now.
      /** @type {Message} */
      const message = {
        id: ack.id,
        room: this.id,
        seq: ack.seq,
        change_seq: ack.change_seq ?? ack.seq,
        author: { id: this.myId ?? 0, name: '' },
        client_id: pending.client_id,
        text: pending.text,
        reply_to: pending.reply_to,
        visibility: ack.visibility ?? 'visible',
        ts: ack.ts,
        edited_at: null,
        reactions: {},
      };
      this._onEvent(message, message.seq);
    }
    this.emit('change', undefined);
  }

  _waitForJoin() {
    return new Promise((resolve) => {
      const check = () => {
        if (this.socket.connected && this.joined) {
          clearInterval(timer);
          resolve(undefined);
        }
      };
      const timer = setInterval(check, 200);
    });
  }

  // --- other actions ---

  /** @param {number} messageId @param {string} text */
  edit(messageId, text) {
    return this.socket.request(ChatEvent.EDIT, { room: this.id, message: messageId, text });
  }

  /** @param {number} messageId */
  remove(messageId) {
    return this.socket.request(ChatEvent.DELETE, { room: this.id, message: messageId });
  }

  /** @param {number} messageId @param {string} emoji @param {boolean} [on] */
  react(messageId, emoji, on = true) {
    return this.socket.request(ChatEvent.REACT, { room: this.id, message: messageId, emoji, on });
  }

  /** Tell the others we are typing (throttled; fire and forget). */
  typingNotice() {
    const now = Date.now();
    if (now - this._lastTypingSent < TYPING_THROTTLE_MS || !this.socket.connected) return;
    this._lastTypingSent = now;
    this.socket.socket.emit(ChatEvent.TYPING, { room: this.id });
  }

  /** Mark everything up to `seq` (default: the newest) as read. */
  async markRead(seq = this.seq) {
    if (seq <= this.readSeq || !this.joined) return;
    this.readSeq = seq;
    this.room = { ...this.room, unread: 0 };
    this.emit('change', undefined);
    try {
      /** @type {{last_read_seq: number, unread: number}} */
      const ack = await this.socket.request(ChatEvent.READ, { room: this.id, seq });
      this.readSeq = Math.max(this.readSeq, ack.last_read_seq);
    } catch {
      // A read marker is advisory; the next one will carry it.
    }
  }

  /** Load a page of older messages. */
  async loadOlder(limit = 50) {
    const first = this.list()[0];
    /** @type {any} */
    const ack = await this.socket.request(ChatEvent.HISTORY, {
      room: this.id,
      before: first ? first.seq : this.seq + 1,
      limit,
    });
    const messages = /** @type {Message[]} */ (ack.messages ?? []);
    for (const message of messages) this._store(message);
    this.hasOlder = Boolean(ack.more);
    this.emit('change', undefined);
    return messages.length;
  }

  /**
   * Fetch every message and change after our seq, page by page (`history {after}`), and move our seq to
   * the page's reach: seqs we may not see (others' held messages) close the gap too.
   * Concurrent calls share one repair.
   */
  repair() {
    if (this._repairing) return this._repairing;
    const from = this.seq;
    this._repairing = (async () => {
      try {
        for (let page = 0; page < 10000; page++) {
          /** @type {{messages: Message[], upto: number, more: boolean}} */
          const ack = await this.socket.request(ChatEvent.HISTORY, { room: this.id, after: this.seq, limit: 100 });
          const before = this.seq;
          this.applyChanges(ack.messages ?? [], ack.upto);
          if (!ack.more || this.seq === before) break;
        }
        this.emit('gap_repaired', { from, to: this.seq });
        this.emit('change', undefined);
      } finally {
        this._repairing = null;
      }
    })();
    return this._repairing;
  }

  /**
   * Apply a batch of messages and changes in seq order (history after a seq, or a catch-up), then move
   * our seq to `upto`.
   * @param {Message[]} messages
   * @param {number} [upto]
   */
  applyChanges(messages, upto) {
    this._applyBatch(messages);
    if (typeof upto === 'number') this.seq = Math.max(this.seq, upto);
    this.emit('change', undefined);
  }

  // --- events from the server (called by Chat) ---

  /** @param {Message[]} messages */
  _applyBatch(messages) {
    for (const message of [...messages].sort((a, b) => (a.change_seq ?? a.seq) - (b.change_seq ?? b.seq))) {
      this._store(message);
      this.seq = Math.max(this.seq, message.change_seq ?? message.seq);
    }
  }

  /** @param {Message} message */
  _store(message) {
    const known = this.messages.get(message.id);
    if (known && (known.change_seq ?? 0) > (message.change_seq ?? 0)) return;
    this.messages.set(message.id, { ...known, ...message, author: message.author?.name ? message.author : known?.author ?? message.author });
    if (message.client_id) this.pending.delete(message.client_id);
    this._sorted = null;
  }

  /**
   * A message or a change of one, as broadcast by the server.
   * @param {Message} message
   * @param {number} eventSeq the room seq this event took (`seq` of a new message, `change_seq` of a change)
   */
  _onEvent(message, eventSeq) {
    if (eventSeq <= this.seq) {
      // Already applied (our own ack raced the broadcast, or a replay): keep the newest version only.
      this._store(message);
      this.emit('change', undefined);
      return;
    }
    const isNew = !this.messages.has(message.id);
    const gap = eventSeq > this.seq + 1;
    this._store(message);
    if (gap) {
      void this.repair().catch(() => {});
    } else {
      this.seq = eventSeq;
    }
    if (message.author?.id !== undefined) this.typing.delete(message.author.id);
    this.emit(isNew ? 'message' : 'updated', message);
    this.emit('change', undefined);
  }

  /** @param {any[]} members */
  _setMembers(members) {
    this.members.clear();
    for (const m of members) {
      const id = m.id ?? m.user_id;
      this.members.set(id, { id, name: m.name ?? m.display_name ?? String(id), role: m.role, presence: m.presence ?? m.status ?? 'offline' });
    }
  }

  /** @param {{until: string | null}} data */
  _onMuted(data) {
    this.mutedUntil = data.until ? new Date(data.until) : null;
    this.emit('change', undefined);
  }

  /** @param {{seconds: number}} data */
  _onSlowMode(data) {
    this.slowModeSeconds = data.seconds ?? 0;
    this.emit('change', undefined);
  }

  /** @param {{messages: (number | {id: number})[]}} data */
  _onPins(data) {
    this.pins = (data.messages ?? []).map((m) => (typeof m === 'number' ? m : m.id));
    this.emit('change', undefined);
  }

  /** @param {CrisisReply} data */
  _onCrisisReply(data) {
    this.crisisReplies.push(data);
    this.emit('crisis_reply', data);
    this.emit('change', undefined);
  }

  /** @param {{user: number | {id: number, name?: string}, state?: string, name?: string}} data */
  _onPresence(data) {
    const user = data.user;
    const id = typeof user === 'number' ? user : user?.id;
    if (id === undefined) return;
    const status = /** @type {Member['presence']} */ (data.state ?? 'online');
    // Someone not on the member list (patients follow their step): known by name once they have written.
    const author = [...this.messages.values()].find((m) => m.author.id === id)?.author.name;
    const name = (typeof user === 'object' && user.name) || data.name || author;
    const member = this.members.get(id) ?? (name ? { id, name, presence: status } : null);
    if (!member) return;
    member.presence = status;
    this.members.set(id, member);
    this.emit('change', undefined);
  }

  /** @param {{user?: {id: number, name: string}, user_id?: number, name?: string}} data */
  _onTyping(data) {
    const id = data.user?.id ?? data.user_id;
    if (id === undefined || id === this.myId) return;
    const name = data.user?.name ?? data.name ?? this.members.get(id)?.name ?? '';
    this.typing.set(id, { name, until: Date.now() + TYPING_TTL_MS });
    this.emit('typing', { user: { id, name } });
    this.emit('change', undefined);
    setTimeout(() => this.emit('change', undefined), TYPING_TTL_MS + 50);
  }
}
