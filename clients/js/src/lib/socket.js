// @ts-check
import { io } from 'socket.io-client';
import { Emitter } from './emitter.js';
import { ClientErrorCode, OncommunError, errorFromPayload } from './errors.js';

/**
 * @typedef {object} SocketEvents
 * @property {void} connect           connected (first time or again after a drop)
 * @property {{reconnect: boolean}} ready   connected and authenticated; `reconnect` after a drop
 * @property {{reason: string}} disconnect
 * @property {OncommunError} refused  the server refused the connection (bad or expired token)
 * @property {{reason: string}} closed the server closed us on purpose (`session_revoked`, `server_shutdown`)
 */

/**
 * One authenticated Socket.IO connection to a namespace, with acks turned into promises.
 *
 * Socket.IO reconnects by itself; every (re)connection fires `ready`, which is where rooms rejoin and
 * catch up. A refusal (the token is no longer valid) stops reconnecting.
 * @extends {Emitter<SocketEvents>}
 */
export class OncommunSocket extends Emitter {
  /**
   * @param {{baseUrl?: string, namespace?: string, token: string, ioFactory?: typeof io, timeoutMs?: number}} options
   */
  constructor(options) {
    super();
    this.timeoutMs = options.timeoutMs ?? 10000;
    this._everConnected = false;
    const url = (options.baseUrl ?? '') + (options.namespace ?? '/');
    const factory = options.ioFactory ?? io;
    this.socket = factory(url, {
      auth: { token: options.token },
      transports: ['websocket'],
      autoConnect: false,
      reconnectionDelay: 500,
      reconnectionDelayMax: 5000,
    });
    this.socket.on('connect', () => {
      const reconnect = this._everConnected;
      this._everConnected = true;
      this.emit('connect', undefined);
      this.emit('ready', { reconnect });
    });
    this.socket.on('disconnect', (reason) => this.emit('disconnect', { reason: String(reason) }));
    this.socket.on('connect_error', (err) => {
      // A refusal from the server carries {message: code, data: {error: {...}}}; network errors do not.
      const data = /** @type {any} */ (err).data;
      const refused = errorFromPayload(data);
      if (refused) {
        this.socket.disconnect();
        this.emit('refused', refused);
      }
    });
    this.socket.on('disconnect_reason', (/** @type {{reason: string}} */ data) => {
      this.emit('closed', { reason: data?.reason ?? 'unknown' });
    });
  }

  get connected() {
    return this.socket.connected;
  }

  get id() {
    return this.socket.id;
  }

  /** @returns {Promise<void>} resolves at the first connection, rejects when refused */
  connect() {
    return new Promise((resolve, reject) => {
      if (this.socket.connected) return resolve();
      const offReady = this.on('ready', () => {
        offReady();
        offRefused();
        resolve();
      });
      const offRefused = this.on('refused', (err) => {
        offReady();
        offRefused();
        reject(err);
      });
      this.socket.connect();
    });
  }

  close() {
    this.socket.disconnect();
  }

  /**
   * Emit an event and wait for its ack; an `{error}` ack rejects with an OncommunError.
   * @template T
   * @param {string} event
   * @param {unknown} [data]
   * @param {{timeoutMs?: number}} [options]
   * @returns {Promise<T>}
   */
  request(event, data, options = {}) {
    const timeoutMs = options.timeoutMs ?? this.timeoutMs;
    return new Promise((resolve, reject) => {
      if (!this.socket.connected) {
        reject(new OncommunError(ClientErrorCode.DISCONNECTED, 'not connected'));
        return;
      }
      this.socket.timeout(timeoutMs).emit(event, data ?? {}, (/** @type {Error|null} */ err, /** @type {unknown} */ ack) => {
        if (err) {
          reject(new OncommunError(ClientErrorCode.TIMEOUT, `no answer to ${event} in ${timeoutMs} ms`));
          return;
        }
        const failure = errorFromPayload(ack);
        if (failure) reject(failure);
        else resolve(/** @type {T} */ (ack));
      });
    });
  }

  /**
   * Listen to a server event; returns the function that stops listening.
   * @param {string} event
   * @param {(data: any) => void} listener
   */
  listen(event, listener) {
    this.socket.on(event, listener);
    return () => {
      this.socket.off(event, listener);
    };
  }
}
