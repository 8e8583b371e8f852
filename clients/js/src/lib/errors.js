// @ts-check
/**
 * The one error shape of Oncommun, over HTTP and in Socket.IO acks:
 * `{"error": {"code": "stable_snake_case", "message": "text in the user's language", "details"?}}`.
 */
export class OncommunError extends Error {
  /**
   * @param {string} code stable snake_case code (`unauthenticated`, `muted`, `rate_limited`, ...)
   * @param {string} message already translated by the server into the user's language
   * @param {{status?: number, details?: unknown}} [extra]
   */
  constructor(code, message, extra = {}) {
    super(message);
    this.name = 'OncommunError';
    this.code = code;
    this.status = extra.status ?? 0;
    this.details = extra.details;
  }

  /** Errors worth retrying as is: the network, the server being busy, or a timeout. */
  get retryable() {
    return RETRYABLE.has(this.code);
  }
}

/** Codes produced by the client itself. */
export const ClientErrorCode = Object.freeze({
  TIMEOUT: 'timeout',
  NETWORK: 'network_error',
  DISCONNECTED: 'disconnected',
  BAD_RESPONSE: 'bad_response',
});

const RETRYABLE = new Set([
  ClientErrorCode.TIMEOUT,
  ClientErrorCode.NETWORK,
  ClientErrorCode.DISCONNECTED,
  'unavailable',
  'internal_error',
]);

/**
 * If `body` is an error payload, the matching OncommunError; otherwise null.
 * @param {unknown} body
 * @param {number} [status]
 * @returns {OncommunError | null}
 */
export function errorFromPayload(body, status) {
  if (body && typeof body === 'object' && 'error' in body) {
    const err = /** @type {{error: {code?: string, message?: string, details?: unknown}}} */ (body).error;
    if (err && typeof err === 'object') {
      return new OncommunError(String(err.code ?? 'unknown'), String(err.message ?? err.code ?? 'error'), {
        status,
        details: err.details,
      });
    }
  }
  return null;
}
