// @ts-check
import { newClientId } from './chat.js';
import { query } from './http.js';

/**
 * @typedef {object} InstrumentItem
 * @property {string} link_id
 * @property {string} text
 * @property {'choice'|'boolean'|'integer'|string} type
 * @property {boolean} required
 * @property {{code: string, display: string}[]} options
 */

/**
 * @typedef {object} Instrument
 * @property {string} id        `phq9`, `gad7`, `hads`, `dt`
 * @property {string} version
 * @property {string} title
 * @property {string} description
 * @property {boolean} licensed
 * @property {string | null} loinc
 * @property {InstrumentItem[]} items
 * @property {{name: string, bands: string[]}[]} scores
 */

/**
 * @typedef {object} Submission
 * @property {number} id
 * @property {string} instrument
 * @property {string} version
 * @property {string} language
 * @property {string} submitted_at
 * @property {Record<string, number>} scores
 * @property {Record<string, string>} bands
 * @property {boolean} above_threshold
 * @property {string[]} fired_rules
 */

/**
 * @typedef {object} SubmissionResult
 * @property {Submission} submission
 * @property {{id: number, from_step: number, to_step: number, status: string, reasons: string[]} | null} proposal
 * @property {{id: number, kind: string, severity: string}[]} alerts
 * @property {boolean} replayed
 */

/**
 * @typedef {object} Alert
 * @property {number} id
 * @property {number} site_id
 * @property {number} patient_id
 * @property {string} kind
 * @property {string} severity
 * @property {string} source
 * @property {Record<string, any>} details
 * @property {string} created_at
 * @property {'open'|'acknowledged'|string} status
 * @property {number | null} acknowledged_by
 * @property {string | null} note
 * @property {number} escalation_level
 */

/**
 * @typedef {object} DueScreening
 * @property {string} instrument
 * @property {string} reason
 * @property {string} due_at
 * @property {number | null} months
 * @property {number | null} request_id
 */

/** The server's Socket.IO events of stepped care. */
export const CareEvent = Object.freeze({
  ALERT: 'care:alert',
  STEP_CHANGED: 'care:step_changed',
});

/**
 * Stepped care over HTTP (docs: README's API overview, care/): screening questionnaires and results for
 * patients; patients, proposals and alerts for psychologists.
 */
export class CareApi {
  /** @param {import('./http.js').HttpApi} http */
  constructor(http) {
    this.http = http;
  }

  // --- patients ---

  /** @returns {Promise<Instrument[]>} */
  async instruments() {
    /** @type {{instruments: Instrument[]}} */
    const body = await this.http.get('/api/care/instruments');
    return body.instruments;
  }

  /** @returns {Promise<DueScreening[]>} */
  async due() {
    /** @type {{due: DueScreening[]}} */
    const body = await this.http.get('/api/care/screenings/due');
    return body.due;
  }

  /** @returns {Promise<{current_step: number, results: Submission[]}>} */
  myResults() {
    return this.http.get('/api/care/me/results');
  }

  /**
   * Submit answers (`{linkId: option code}`). The server scores them; a retry with the same `clientId`
   * returns the first result instead of storing twice.
   * @param {string} instrument
   * @param {Record<string, string | boolean | number>} answers
   * @param {{version?: string, language?: string, clientId?: string}} [options]
   * @returns {Promise<SubmissionResult>}
   */
  submit(instrument, answers, options = {}) {
    return this.http.post('/api/care/screenings', {
      instrument,
      version: options.version,
      language: options.language,
      answers,
      client_id: options.clientId ?? newClientId(),
    });
  }

  // --- staff ---

  /** @returns {Promise<any[]>} */
  async patients() {
    /** @type {{patients: any[]}} */
    const body = await this.http.get('/api/care/patients');
    return body.patients;
  }

  /** @param {'open'|'acknowledged'|'all'} [status] @returns {Promise<Alert[]>} */
  async alerts(status = 'open') {
    /** @type {{alerts: Alert[]}} */
    const body = await this.http.get(`/api/care/alerts${query({ status })}`);
    return body.alerts;
  }

  /** @param {number} alertId @param {string} note @returns {Promise<Alert>} */
  async acknowledge(alertId, note) {
    /** @type {{alert: Alert}} */
    const body = await this.http.post(`/api/care/alerts/${alertId}/ack`, { note });
    return body.alert;
  }

  /** @param {'pending'|'all'} [status] @returns {Promise<any[]>} */
  async proposals(status = 'pending') {
    /** @type {{proposals: any[]}} */
    const body = await this.http.get(`/api/care/proposals${query({ status })}`);
    return body.proposals;
  }

  /**
   * @param {number} proposalId
   * @param {{accept: boolean, step?: number, reason?: string}} decision
   */
  decide(proposalId, decision) {
    const path = `/api/care/proposals/${proposalId}/${decision.accept ? 'accept' : 'override'}`;
    return this.http.post(path, { step: decision.step, reason: decision.reason ?? '' });
  }
}
