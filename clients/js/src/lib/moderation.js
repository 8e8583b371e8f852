// @ts-check
import { Emitter } from './emitter.js';
import { ModerationEvent } from './protocol.js';

/**
 * @typedef {object} QueueItem
 * @property {number} id
 * @property {number} room
 * @property {'held'|'flagged'|'reported'} kind
 * @property {string | null} reason     e.g. `crisis_language`, `personal_data`, `spam`
 * @property {string | null} hook
 * @property {number | null} reporter
 * @property {string | null} note
 * @property {'open'|'resolved'} status
 * @property {number | null} message_id
 * @property {number} author
 * @property {import('./chat.js').Message | null} message
 * @property {string} created_at
 */

/** Why a member reports a message (docs/protocol.md, "Moderation"). */
export const REPORT_REASONS = /** @type {const} */ (['harassment', 'spam', 'personal_data', 'worried_about_someone', 'misinformation', 'other']);

/** How a queue item is settled. */
export const RESOLUTIONS = /** @type {const} */ (['approve', 'reject', 'hide', 'delete', 'dismiss']);

/**
 * @typedef {object} ModerationEvents
 * @property {QueueItem[]} queue   the open queue changed
 */

/**
 * Mentor and psychologist tools over Socket.IO: the live moderation queue and the actions on messages
 * and members. The server checks every action against its permission matrix; this only asks.
 * @extends {Emitter<ModerationEvents>}
 */
export class Moderation extends Emitter {
  /** @param {import('./socket.js').OncommunSocket} socket */
  constructor(socket) {
    super();
    this.socket = socket;
    /** @type {Map<number, QueueItem>} open items */
    this.items = new Map();
    this.more = false;
    this._off = [
      socket.listen(ModerationEvent.QUEUE_ITEM, (/** @type {QueueItem} */ item) => {
        if (item.status === 'open') this.items.set(item.id, item);
        this.emit('queue', this.queue());
      }),
      socket.listen(ModerationEvent.QUEUE_RESOLVED, (/** @type {QueueItem} */ item) => {
        this.items.delete(item.id);
        this.emit('queue', this.queue());
      }),
    ];
  }

  /** Open items, oldest first. */
  queue() {
    return [...this.items.values()].sort((a, b) => a.id - b.id);
  }

  /**
   * Load a page of the open queue (of one room, or of every room we moderate).
   * @param {{room?: number, before?: number, limit?: number}} [options]
   */
  async load(options = {}) {
    /** @type {{items: QueueItem[], more: boolean, next_before: number | null}} */
    const ack = await this.socket.request(ModerationEvent.QUEUE, {
      room: options.room,
      status: 'open',
      before: options.before,
      limit: options.limit ?? 50,
    });
    if (options.before === undefined) {
      for (const [id, item] of this.items) if (options.room === undefined || item.room === options.room) this.items.delete(id);
    }
    for (const item of ack.items) this.items.set(item.id, item);
    this.more = ack.more;
    this.emit('queue', this.queue());
    return ack;
  }

  /**
   * Load the queues a person may see: the whole site's for staff, each moderated room's for mentors.
   * @param {{staff: boolean, rooms: {id: number, role?: string}[]}} who
   */
  async loadMine(who) {
    if (who.staff) return void (await this.load());
    this.items.clear();
    const moderated = who.rooms.filter((r) => r.role === 'moderator' || r.role === 'owner');
    await Promise.all(moderated.map((r) => this.load({ room: r.id })));
    this.emit('queue', this.queue());
  }

  /**
   * Settle a queue item with an action on its message.
   * @param {number} item
   * @param {typeof RESOLUTIONS[number]} resolution
   */
  async resolve(item, resolution) {
    const ack = await this.socket.request(ModerationEvent.RESOLVE, { item, resolution });
    this.items.delete(item);
    this.emit('queue', this.queue());
    return ack;
  }

  /** Hide a message from everyone but its author and the moderators. @param {number} message @param {string} [reason] */
  hide(message, reason = '') {
    return this.socket.request(ModerationEvent.HIDE, { message, reason });
  }

  /** @param {number} message */
  unhide(message) {
    return this.socket.request(ModerationEvent.UNHIDE, { message });
  }

  /** Let a held message through. @param {number} message */
  approve(message) {
    return this.socket.request(ModerationEvent.APPROVE, { message });
  }

  /** @param {number} message @param {string} [reason] */
  reject(message, reason = '') {
    return this.socket.request(ModerationEvent.REJECT, { message, reason });
  }

  /** Psychologists: delete for good. @param {number} message @param {string} [reason] */
  delete(message, reason = '') {
    return this.socket.request(ModerationEvent.DELETE, { message, reason });
  }

  /** @param {number} message @param {boolean} [on] */
  pin(message, on = true) {
    return this.socket.request(ModerationEvent.PIN, { message, on });
  }

  /** They can still read but not send. @param {number} room @param {number} user @param {number} minutes */
  mute(room, user, minutes) {
    return this.socket.request(ModerationEvent.MUTE, { room, user, minutes });
  }

  /** @param {number} room @param {number} user */
  unmute(room, user) {
    return this.socket.request(ModerationEvent.UNMUTE, { room, user });
  }

  /** One message per `seconds` per member; 0 turns it off. @param {number} room @param {number} seconds */
  slowMode(room, seconds) {
    return this.socket.request(ModerationEvent.SLOW_MODE, { room, seconds });
  }

  /** Take someone out of a room for a while. @param {number} room @param {number} user @param {number} [minutes] */
  remove(room, user, minutes = 60) {
    return this.socket.request(ModerationEvent.REMOVE, { room, user, minutes });
  }

  /** Psychologists: ban from a room, or from the site when `room` is omitted. @param {number} user @param {{room?: number, days?: number}} [options] */
  ban(user, options = {}) {
    return this.socket.request(ModerationEvent.BAN, { user, room: options.room, days: options.days });
  }

  /** @param {number} user @param {number} [room] */
  unban(user, room) {
    return this.socket.request(ModerationEvent.UNBAN, { user, room });
  }

  /** Hand a message to the psychologists. @param {number} message @param {string} [note] */
  escalate(message, note) {
    return this.socket.request(ModerationEvent.ESCALATE, { message, note });
  }

  /** Psychologists: make a mentor a moderator of a room (or not). @param {number} room @param {number} user @param {boolean} [on] */
  assignMentor(room, user, on = true) {
    return this.socket.request(ModerationEvent.ASSIGN, { room, user, on });
  }

  /** Any member: report a message. @param {number} message @param {typeof REPORT_REASONS[number]} reason @param {string} [note] */
  report(message, reason, note) {
    return this.socket.request(ModerationEvent.REPORT, { message, reason, note });
  }

  /** Psychologists and admins: the audit log. @param {{before?: number, limit?: number, room?: number}} [options] */
  audit(options = {}) {
    return this.socket.request(ModerationEvent.AUDIT, { before: options.before, limit: options.limit ?? 100, room: options.room });
  }

  dispose() {
    for (const off of this._off) off();
    this.removeAllListeners();
  }
}
