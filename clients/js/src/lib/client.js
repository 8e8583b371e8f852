// @ts-check
import { CareApi, CareEvent } from './care.js';
import { Chat } from './chat.js';
import { Emitter } from './emitter.js';
import { HttpApi } from './http.js';
import { LiveSession } from './live.js';
import { Moderation } from './moderation.js';
import { LiveEvent } from './protocol.js';
import { OncommunSocket } from './socket.js';

/**
 * @typedef {object} ClientEvents
 * @property {void} signed_out                    the session ended (logout, revoked, expired)
 * @property {'connected'|'reconnecting'|'offline'} connection
 * @property {import('./care.js').Alert} alert      a new or escalated risk alert (staff)
 * @property {{user_id: number, from_step: number, to_step: number}} step_changed
 */

/**
 * The entry point: sign in, then use `chat`, `live(sessionId)`, `moderation` and `care`.
 *
 * ```js
 * import { OncommunClient } from '@oncommun/client';
 * const client = new OncommunClient({ baseUrl: 'https://oncommun.example' });
 * await client.login('patient.laia', 'secret');
 * const rooms = await client.chat.listRooms();
 * const room = await client.chat.open(rooms[0].id);
 * room.on('message', (m) => console.log(m.author.name, m.text));
 * await room.send('Hello');
 * ```
 * @extends {Emitter<ClientEvents>}
 */
export class OncommunClient extends Emitter {
  /**
   * @param {{baseUrl?: string, fetch?: typeof fetch, ioFactory?: any}} [options]
   */
  constructor(options = {}) {
    super();
    this.baseUrl = options.baseUrl ?? '';
    this._ioFactory = options.ioFactory;
    this.http = new HttpApi({ baseUrl: this.baseUrl, fetch: options.fetch });
    this.http.onUnauthenticated = () => this._signedOut();
    this.care = new CareApi(this.http);
    /** @type {import('./http.js').Me | null} */
    this.me = null;
    /** @type {OncommunSocket | null} */
    this.socket = null;
    /** @type {OncommunSocket | null} */
    this._liveSocket = null;
    /** @type {Map<string, OncommunSocket>} `/live` sockets on other processes, by their URL */
    this._liveSocketsElsewhere = new Map();
    /** @type {Chat | null} */
    this._chat = null;
    /** @type {Moderation | null} */
    this._moderation = null;
  }

  get token() {
    return this.http.token;
  }

  /** @param {string} username @param {string} password */
  async login(username, password) {
    await this.http.login(username, password);
    return this.start();
  }

  /**
   * Resume with a token kept from an earlier login (e.g. in sessionStorage).
   * @param {string} token
   */
  async resume(token) {
    this.http.token = token;
    return this.start();
  }

  /** Load the profile and open the main socket. */
  async start() {
    this.me = await this.http.me();
    const socket = this._openSocket('/');
    this.socket = socket;
    socket.listen(CareEvent.ALERT, (alert) => this.emit('alert', alert));
    socket.listen(CareEvent.STEP_CHANGED, (data) => this.emit('step_changed', data));
    await socket.connect();
    return this.me;
  }

  /** @param {string} namespace @param {string} [baseUrl] another process of this deployment */
  _openSocket(namespace, baseUrl = this.baseUrl) {
    if (!this.http.token) throw new Error('sign in first');
    const socket = new OncommunSocket({
      baseUrl,
      namespace,
      token: this.http.token,
      ioFactory: this._ioFactory,
    });
    socket.on('refused', () => this._signedOut());
    socket.on('closed', ({ reason }) => {
      if (reason === 'session_revoked') this._signedOut();
    });
    if (namespace === '/') {
      socket.on('ready', () => this.emit('connection', 'connected'));
      socket.on('disconnect', ({ reason }) => this.emit('connection', reason === 'io client disconnect' ? 'offline' : 'reconnecting'));
    }
    return socket;
  }

  /** @returns {OncommunSocket} */
  _requireSocket() {
    if (!this.socket) throw new Error('sign in first');
    return this.socket;
  }

  get chat() {
    if (!this._chat) this._chat = new Chat(this._requireSocket(), { myId: this.me?.id, http: this.http });
    return this._chat;
  }

  get moderation() {
    if (!this._moderation) this._moderation = new Moderation(this._requireSocket());
    return this._moderation;
  }

  /** The socket on the `/live` namespace, opened on first use. */
  async liveSocket() {
    if (!this._liveSocket) {
      this._liveSocket = this._openSocket(LiveEvent.NAMESPACE);
      await this._liveSocket.connect();
    }
    return this._liveSocket;
  }

  /**
   * A `/live` socket on the server process at `url` (where a session runs, as the server said), opened
   * on first use with the same sign-in.
   * @param {string} url
   */
  async liveSocketAt(url) {
    let socket = this._liveSocketsElsewhere.get(url);
    if (!socket) {
      socket = this._openSocket(LiveEvent.NAMESPACE, url);
      this._liveSocketsElsewhere.set(url, socket);
      await socket.connect();
    }
    return socket;
  }

  /**
   * A live video session (not joined yet: call `join()`). It follows the session to the server process
   * that runs it when that is not the one this client reached.
   * @param {number} sessionId
   */
  async live(sessionId) {
    return new LiveSession(await this.liveSocket(), sessionId, {
      myId: this.me?.id,
      socketAt: (url) => this.liveSocketAt(url),
    });
  }

  /**
   * The live sessions of a therapy room (`GET /api/rooms/{id}/live-sessions`): scheduled and open.
   * @param {number} roomId
   * @returns {Promise<import('./live.js').LiveSessionInfo[]>}
   */
  async liveSessions(roomId) {
    /** @type {{sessions: import('./live.js').LiveSessionInfo[]}} */
    const body = await this.http.get(`/api/rooms/${roomId}/live-sessions`);
    return body.sessions;
  }

  /**
   * A psychologist schedules a session of a therapy room (now, by default) and opens it.
   * @param {number} roomId
   * @param {{title?: string, startsAt?: Date, durationMinutes?: number}} [options]
   * @returns {Promise<import('./live.js').LiveSessionInfo>}
   */
  async startLiveSession(roomId, options = {}) {
    /** @type {{session: import('./live.js').LiveSessionInfo}} */
    const scheduled = await this.http.post(`/api/rooms/${roomId}/live-sessions`, {
      title: options.title ?? 'Session',
      starts_at: (options.startsAt ?? new Date()).toISOString(),
      duration_minutes: options.durationMinutes ?? 90,
    });
    const live = await this.live(scheduled.session.id);
    const opened = await live.open();
    live.dispose();
    return opened;
  }

  hasRole(/** @type {string} */ role) {
    return Boolean(this.me?.roles.includes(role));
  }

  async logout() {
    try {
      await this.http.logout();
    } finally {
      this._signedOut();
    }
  }

  _signedOut() {
    const wasIn = this.me !== null || this.socket !== null;
    this._chat?.dispose();
    this._moderation?.dispose();
    this.socket?.close();
    this._liveSocket?.close();
    for (const socket of this._liveSocketsElsewhere.values()) socket.close();
    this._liveSocketsElsewhere.clear();
    this._chat = null;
    this._moderation = null;
    this.socket = null;
    this._liveSocket = null;
    this.me = null;
    this.http.token = null;
    if (wasIn) this.emit('signed_out', undefined);
  }
}
