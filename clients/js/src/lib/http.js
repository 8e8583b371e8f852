// @ts-check
import { ClientErrorCode, OncommunError, errorFromPayload } from './errors.js';

/**
 * @typedef {object} Person
 * @property {number} id
 * @property {number} site_id
 * @property {string[]} roles  `patient`, `mentor`, `psychologist`, `admin`
 * @property {string} language `ca`, `es`, `pt`, `pl` or `en`
 * @property {string} display_name
 */

/**
 * @typedef {Person & {site: {id: number, slug: string, name: string} | null, session_expires_at: string}} Me
 */

/**
 * @typedef {object} LoginResult
 * @property {string} token
 * @property {string} expires_at
 * @property {Person} user
 */

/**
 * JSON over HTTP with the bearer token, turning every failure into an OncommunError.
 */
export class HttpApi {
  /**
   * @param {{baseUrl?: string, fetch?: typeof fetch}} [options]
   */
  constructor(options = {}) {
    this.baseUrl = (options.baseUrl ?? '').replace(/\/$/, '');
    this._fetch = options.fetch ?? globalThis.fetch.bind(globalThis);
    /** @type {string | null} */
    this.token = null;
    /** Called when the server says the session is gone (401), so the app can show the login. */
    /** @type {(() => void) | null} */
    this.onUnauthenticated = null;
  }

  /**
   * @template T
   * @param {string} method
   * @param {string} path
   * @param {unknown} [body]
   * @param {{accept?: string}} [options]
   * @returns {Promise<T>}
   */
  async request(method, path, body, options = {}) {
    /** @type {Record<string, string>} */
    const headers = { Accept: options.accept ?? 'application/json' };
    if (this.token) headers.Authorization = `Bearer ${this.token}`;
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    let response;
    try {
      response = await this._fetch(this.baseUrl + path, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch (err) {
      throw new OncommunError(ClientErrorCode.NETWORK, String(err));
    }
    const type = response.headers.get('Content-Type') ?? '';
    const data = type.includes('json') ? await response.json().catch(() => null) : await response.text();
    if (!response.ok) {
      const err =
        errorFromPayload(data, response.status) ??
        new OncommunError(ClientErrorCode.BAD_RESPONSE, `HTTP ${response.status}`, { status: response.status });
      if (response.status === 401 && this.onUnauthenticated) this.onUnauthenticated();
      throw err;
    }
    return /** @type {T} */ (data);
  }

  /** @template T @param {string} path @returns {Promise<T>} */
  get(path) {
    return this.request('GET', path);
  }

  /** @template T @param {string} path @param {unknown} [body] @returns {Promise<T>} */
  post(path, body) {
    return this.request('POST', path, body ?? {});
  }

  /** @template T @param {string} path @param {unknown} [body] @returns {Promise<T>} */
  put(path, body) {
    return this.request('PUT', path, body ?? {});
  }

  // --- auth ---

  /**
   * @param {string} username
   * @param {string} password
   * @returns {Promise<LoginResult>}
   */
  async login(username, password) {
    /** @type {LoginResult} */
    const result = await this.post('/api/auth/login', { username, password });
    this.token = result.token;
    return result;
  }

  async logout() {
    if (!this.token) return;
    try {
      await this.post('/api/auth/logout');
    } finally {
      this.token = null;
    }
  }

  /** @returns {Promise<Me>} */
  me() {
    return this.get('/api/me');
  }
}

/**
 * A query string from the defined values of `params`.
 * @param {Record<string, string | number | boolean | null | undefined>} params
 */
export function query(params) {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value !== undefined && value !== null) search.set(key, String(value));
  }
  const text = search.toString();
  return text ? `?${text}` : '';
}
