// @ts-check
import { Emitter } from './emitter.js';
import { OncommunError } from './errors.js';
import { LiveEvent } from './protocol.js';
import { sdpForSfu } from './sdp.js';

/**
 * @typedef {object} LiveSessionInfo
 * @property {number} id
 * @property {number} room_id
 * @property {string} title
 * @property {string} starts_at
 * @property {number} duration_minutes
 * @property {'scheduled'|'open'|'ended'} state
 * @property {boolean} locked
 */

/**
 * @typedef {object} TrackState
 * @property {boolean} on          the participant's own choice
 * @property {boolean} host_muted  stopped by the host on the server
 * @property {boolean} published
 * @property {boolean} forwarding  reaching the others now
 */

/**
 * @typedef {object} Participant
 * @property {number} user_id
 * @property {string} display_name
 * @property {'host'|'patient'} role
 * @property {'waiting'|'admitted'} status
 * @property {boolean} hand_raised
 * @property {TrackState} audio
 * @property {TrackState} video
 */

/**
 * @typedef {object} RemoteMedia
 * @property {number} userId
 * @property {MediaStream} stream
 */

/**
 * @typedef {'idle'|'waiting'|'admitted'|'left'} LiveState
 */

/**
 * @typedef {object} LiveEvents
 * @property {void} change
 * @property {LiveState} state
 * @property {{reason: string}} left          we are out: `removed`, `ended`, `connection_failed`, `joined_elsewhere`, `left`
 * @property {RemoteMedia} remote            a participant's stream got a track
 * @property {{userId: number}} remote_gone
 * @property {{userId: number | null}} speaker
 * @property {{action: 'muted'|'unmute_requested', kind: 'audio'|'video', by: number}} media_control
 * @property {OncommunError} error
 */

/**
 * @typedef {object} LiveOptions
 * @property {number} [myId]
 * @property {(constraints: MediaStreamConstraints) => Promise<MediaStream>} [getUserMedia]
 * @property {(url: string) => Promise<import('./socket.js').OncommunSocket>} [socketAt]
 *   a `/live` socket on another process of the deployment: when the session runs there
 *   (`live_session_elsewhere` with `details.url`), `open` and `join` move to it and try again, once
 */

/**
 * One live video session seen from this browser: the waiting room, one RTCPeerConnection to the SFU that
 * carries what we publish and what we receive, host controls, raised hands and the active speaker.
 *
 * Negotiation (docs/signaling.md): once admitted we offer our camera and microphone and the server
 * answers; the server then offers the others' tracks (with a `tracks` list saying whose each m-line is)
 * whenever they come and go, and we answer. The server is the impolite peer: if both offer at once it
 * refuses ours (`media_negotiation_glare`); we roll back, answer its offer, then offer again.
 * @extends {Emitter<LiveEvents>}
 */
export class LiveSession extends Emitter {
  /**
   * @param {import('./socket.js').OncommunSocket} socket  a socket on the `/live` namespace
   * @param {number} sessionId
   * @param {LiveOptions} [options]
   */
  constructor(socket, sessionId, options = {}) {
    super();
    this.socket = socket;
    this.sessionId = sessionId;
    this.myId = options.myId ?? null;
    this._getUserMedia = options.getUserMedia ?? ((c) => navigator.mediaDevices.getUserMedia(c));
    this._socketAt = options.socketAt ?? null;
    /** @type {RTCIceServer[]} */
    this.iceServers = [];
    /** @type {LiveState} */
    this.state = 'idle';
    /** @type {LiveSessionInfo | null} */
    this.session = null;
    /** @type {Participant | null} */
    this.you = null;
    this.locked = false;
    /** @type {Map<number, Participant>} admitted participants (us included) */
    this.participants = new Map();
    /** @type {Participant[]} the waiting room (hosts only) */
    this.waiting = [];
    /** @type {Map<number, MediaStream>} by user id */
    this.remote = new Map();
    /** @type {Map<string, number>} transceiver mid -> user id, from the server's offers */
    this._owners = new Map();
    /** @type {MediaStream | null} */
    this.local = null;
    /** @type {RTCPeerConnection | null} */
    this.pc = null;
    /** @type {number | null} */
    this.activeSpeaker = null;
    this.micOn = true;
    this.cameraOn = true;
    this.handRaised = false;
    /** @type {Promise<void>} negotiation steps run one after another */
    this._queue = Promise.resolve();
    this._offerAgain = false;
    /** @type {RTCIceCandidateInit[]} */
    this._earlyCandidates = [];
    /** @type {(() => void)[]} */
    this._off = [];
    this._listen();
  }

  get isHost() {
    return this.you?.role === 'host';
  }

  get roomId() {
    return this.session?.room_id ?? null;
  }

  _listen() {
    const s = this.socket;
    /** @param {(d: any) => void} fn */
    const mine = (fn) => (/** @type {any} */ d) => {
      if (d && d.session !== undefined && d.session !== this.sessionId) return;
      fn(d);
    };
    this._off.push(
      s.listen(LiveEvent.ADMITTED, mine((d) => void this._admitted(d))),
      s.listen(LiveEvent.PARTICIPANTS_CHANGED, mine((d) => this._setParticipants(d))),
      s.listen(LiveEvent.SERVER_OFFER, mine((d) => this._serial(() => this._onServerOffer(d)))),
      s.listen(LiveEvent.SERVER_ICE, mine((d) => void this._onServerCandidate(d))),
      s.listen(LiveEvent.ACTIVE_SPEAKER, mine((d) => this._onSpeaker(d))),
      s.listen(LiveEvent.MEDIA_CONTROL, mine((d) => this._onMediaControl(d))),
      s.listen(LiveEvent.LEFT, mine((d) => this._finish(d.reason ?? 'left'))),
      s.on('ready', ({ reconnect }) => {
        if (reconnect && (this.state === 'admitted' || this.state === 'waiting')) void this._rejoin();
      }),
    );
  }

  // --- joining ---

  /**
   * Ask to join. Patients land in the waiting room until the host admits them; the host goes straight in.
   * @returns {Promise<'waiting'|'admitted'>}
   */
  async join() {
    /** @type {{session: LiveSessionInfo, status: 'waiting'|'admitted', you: Participant, ice_servers: RTCIceServer[], participants: Participant[]}} */
    const ack = await this._requestWhereItRuns(LiveEvent.JOIN, { session: this.sessionId });
    this.session = ack.session;
    this.locked = ack.session.locked;
    this.iceServers = ack.ice_servers ?? [];
    this.you = ack.you;
    this._setParticipants({ participants: ack.participants });
    if (ack.status === 'admitted') {
      await this._admitted({});
      return 'admitted';
    }
    this._setState('waiting');
    return 'waiting';
  }

  /** A psychologist opens a scheduled session (then joins it). */
  async open() {
    /** @type {{session: LiveSessionInfo}} */
    const ack = await this._requestWhereItRuns(LiveEvent.OPEN, { session: this.sessionId });
    this.session = ack.session;
    return ack.session;
  }

  /**
   * A request that follows the session to the server process running it: on `live_session_elsewhere`
   * with a `details.url`, move to a socket there and ask again (once: a second refusal is final).
   * @param {string} event @param {object} data
   * @returns {Promise<any>}
   */
  async _requestWhereItRuns(event, data) {
    try {
      return await this.socket.request(event, data);
    } catch (err) {
      const url = err instanceof OncommunError && err.code === 'live_session_elsewhere'
        ? /** @type {{url?: unknown}} */ (err.details ?? {}).url : undefined;
      if (typeof url !== 'string' || !this._socketAt) throw err;
      this._moveTo(await this._socketAt(url));
      return this.socket.request(event, data);
    }
  }

  /** @param {import('./socket.js').OncommunSocket} socket */
  _moveTo(socket) {
    if (socket === this.socket) return;
    for (const off of this._off.splice(0)) off();
    this.socket = socket;
    this._listen();
  }

  async _rejoin() {
    this._closePeer();
    this.state = 'idle';
    try {
      await this.join();
    } catch (err) {
      this.emit('error', /** @type {OncommunError} */ (err));
    }
  }

  /** @param {LiveState} state */
  _setState(state) {
    this.state = state;
    this.emit('state', state);
    this.emit('change', undefined);
  }

  /** @param {{ice_servers?: RTCIceServer[]}} data */
  async _admitted(data) {
    if (this.state === 'admitted' && this.pc) return;
    if (data?.ice_servers) this.iceServers = data.ice_servers;
    this._setState('admitted');
    try {
      await this._startMedia();
    } catch (err) {
      this.emit('error', err instanceof OncommunError ? err : new OncommunError('media_failed', String(err)));
    }
  }

  // --- media and negotiation ---

  async _startMedia() {
    if (!this.local) {
      this.local = await this._getUserMedia({
        audio: { echoCancellation: true, noiseSuppression: true },
        video: { width: { ideal: 640 }, height: { ideal: 360 }, frameRate: { ideal: 30 } },
      });
      this._applyTrackState();
    }
    const pc = new RTCPeerConnection({ iceServers: this.iceServers, bundlePolicy: 'max-bundle' });
    this.pc = pc;
    for (const track of this.local.getTracks()) {
      pc.addTransceiver(track, { direction: 'sendonly', streams: [this.local] });
    }
    pc.onicecandidate = (event) => {
      const c = event.candidate;
      void this.socket
        .request(LiveEvent.ICE, {
          session: this.sessionId,
          candidate: c ? c.candidate : null,
          sdp_mid: c?.sdpMid ?? null,
          sdp_mline_index: c?.sdpMLineIndex ?? null,
        })
        .catch(() => {});
    };
    pc.ontrack = (event) => this._onTrack(event);
    pc.onconnectionstatechange = () => this.emit('change', undefined);
    await this._serial(() => this._offer());
  }

  /**
   * Run negotiation steps one at a time (our offer, the server's offers), in arrival order.
   * @param {() => Promise<void>} step
   */
  _serial(step) {
    const next = this._queue.then(step).catch((err) => {
      this.emit('error', err instanceof OncommunError ? err : new OncommunError('media_failed', String(err)));
    });
    this._queue = next;
    return next;
  }

  /** Offer our tracks; on glare, roll back: the server's offer (already queued) goes first, then ours again. */
  async _offer() {
    const pc = this.pc;
    if (!pc || pc.signalingState === 'closed') return;
    const offer = await pc.createOffer();
    await pc.setLocalDescription({ type: 'offer', sdp: sdpForSfu(offer.sdp ?? '') });
    try {
      /** @type {{type: 'answer', sdp: string}} */
      const ack = await this.socket.request(LiveEvent.OFFER, { session: this.sessionId, sdp: pc.localDescription?.sdp });
      await pc.setRemoteDescription({ type: 'answer', sdp: ack.sdp });
      await this._flushCandidates();
    } catch (err) {
      if (err instanceof OncommunError && err.code === 'media_negotiation_glare' && pc.signalingState === 'have-local-offer') {
        await pc.setLocalDescription({ type: 'rollback' });
        this._offerAgain = true;
        return;
      }
      throw err;
    }
  }

  /** @param {{sdp: string, tracks?: {mid: string, kind: string, user_id: number}[]}} data */
  async _onServerOffer(data) {
    const pc = this.pc;
    if (!pc || pc.signalingState === 'closed') return;
    for (const track of data.tracks ?? []) this._owners.set(String(track.mid), track.user_id);
    if (pc.signalingState === 'have-local-offer') {
      await pc.setLocalDescription({ type: 'rollback' });
      this._offerAgain = true;
    }
    await pc.setRemoteDescription({ type: 'offer', sdp: data.sdp });
    await this._flushCandidates();
    const answer = await pc.createAnswer();
    await pc.setLocalDescription(answer);
    await this.socket.request(LiveEvent.ANSWER, { session: this.sessionId, sdp: pc.localDescription?.sdp });
    this._dropGoneRemotes(data.tracks ?? []);
    if (this._offerAgain) {
      this._offerAgain = false;
      await this._offer();
    }
  }

  async _flushCandidates() {
    const pc = this.pc;
    if (!pc) return;
    for (const candidate of this._earlyCandidates.splice(0)) await pc.addIceCandidate(candidate).catch(() => {});
  }

  /** @param {{candidate: string | null, sdp_mid: string | null, sdp_mline_index: number | null}} data */
  async _onServerCandidate(data) {
    if (!data?.candidate) return; // end of candidates
    const init = { candidate: data.candidate, sdpMid: data.sdp_mid ?? '0', sdpMLineIndex: data.sdp_mline_index ?? 0 };
    const pc = this.pc;
    if (!pc || !pc.remoteDescription) {
      this._earlyCandidates.push(init);
      return;
    }
    await pc.addIceCandidate(init).catch(() => {});
  }

  /** @param {RTCTrackEvent} event */
  _onTrack(event) {
    const mid = event.transceiver.mid;
    const userId = mid === null ? undefined : this._owners.get(mid);
    if (userId === undefined) return;
    let remote = this.remote.get(userId);
    if (!remote) {
      remote = new MediaStream();
      this.remote.set(userId, remote);
    }
    for (const old of remote.getTracks()) if (old.kind === event.track.kind && old !== event.track) remote.removeTrack(old);
    if (!remote.getTracks().includes(event.track)) remote.addTrack(event.track);
    this.emit('remote', { userId, stream: remote });
    this.emit('change', undefined);
  }

  /**
   * After a renegotiation, forget the streams of people whose tracks the server no longer sends.
   * @param {{user_id: number}[]} tracks
   */
  _dropGoneRemotes(tracks) {
    const still = new Set(tracks.map((t) => t.user_id));
    for (const userId of [...this.remote.keys()]) {
      if (!still.has(userId)) {
        this.remote.delete(userId);
        this.emit('remote_gone', { userId });
      }
    }
    this.emit('change', undefined);
  }

  // --- participants, speaker, host actions ---

  /** @param {{participants?: Participant[], waiting?: Participant[], locked?: boolean}} data */
  _setParticipants(data) {
    if (Array.isArray(data.participants)) {
      this.participants = new Map(data.participants.map((p) => [p.user_id, p]));
      const me = this.myId === null ? undefined : this.participants.get(this.myId);
      if (me) this.you = me;
    }
    if (Array.isArray(data.waiting)) this.waiting = data.waiting;
    if (typeof data.locked === 'boolean') this.locked = data.locked;
    for (const userId of [...this.remote.keys()]) {
      if (!this.participants.has(userId)) {
        this.remote.delete(userId);
        this.emit('remote_gone', { userId });
      }
    }
    this.emit('change', undefined);
  }

  /** @param {{user_id: number | null}} data */
  _onSpeaker(data) {
    const id = data?.user_id ?? null;
    if (id === this.activeSpeaker) return;
    this.activeSpeaker = id;
    this.emit('speaker', { userId: id });
    this.emit('change', undefined);
  }

  /** @param {{action: 'muted'|'unmute_requested', kind: 'audio'|'video', by: number}} data */
  _onMediaControl(data) {
    if (data.action === 'muted') {
      // The server already stopped forwarding; turn the track off here too so the UI tells the truth.
      if (data.kind === 'audio') this.micOn = false;
      else this.cameraOn = false;
      this._applyTrackState();
    }
    this.emit('media_control', data);
    this.emit('change', undefined);
  }

  /** @param {string} reason */
  _finish(reason) {
    this._closePeer();
    this.local?.getTracks().forEach((t) => t.stop());
    this.local = null;
    this.participants.clear();
    this.waiting = [];
    this.state = 'left';
    this.emit('left', { reason });
    this._setState('left');
  }

  _closePeer() {
    if (this.pc) {
      this.pc.ontrack = null;
      this.pc.onicecandidate = null;
      this.pc.onconnectionstatechange = null;
      this.pc.close();
      this.pc = null;
    }
    this._owners.clear();
    this._earlyCandidates = [];
    for (const userId of this.remote.keys()) this.emit('remote_gone', { userId });
    this.remote.clear();
  }

  // --- my controls ---

  _applyTrackState() {
    for (const track of this.local?.getTracks() ?? []) track.enabled = track.kind === 'audio' ? this.micOn : this.cameraOn;
  }

  /**
   * @param {'audio'|'video'} kind
   * @param {boolean} on
   */
  async setMedia(kind, on) {
    const before = kind === 'audio' ? this.micOn : this.cameraOn;
    if (kind === 'audio') this.micOn = on;
    else this.cameraOn = on;
    this._applyTrackState();
    this.emit('change', undefined);
    try {
      /** @type {{you: Participant}} */
      const ack = await this.socket.request(LiveEvent.SET_MEDIA, { session: this.sessionId, kind, on });
      this.you = ack.you;
    } catch (err) {
      // Muted by the host: the server refuses to turn it back on until the host asks.
      if (kind === 'audio') this.micOn = before;
      else this.cameraOn = before;
      this._applyTrackState();
      this.emit('change', undefined);
      throw err;
    }
  }

  /** @param {boolean} on */
  setMic(on) {
    return this.setMedia('audio', on);
  }

  /** @param {boolean} on */
  setCamera(on) {
    return this.setMedia('video', on);
  }

  /** @param {boolean} raised */
  async raiseHand(raised) {
    this.handRaised = raised;
    this.emit('change', undefined);
    await this.socket.request(LiveEvent.RAISE_HAND, { session: this.sessionId, raised });
  }

  async leave() {
    try {
      if (this.socket.connected && this.state !== 'left') await this.socket.request(LiveEvent.LEAVE, { session: this.sessionId });
    } catch {
      // Not joined any more: nothing to leave.
    } finally {
      this._finish('left');
      for (const off of this._off.splice(0)) off();
    }
  }

  /** Stop listening to the socket (without leaving). */
  dispose() {
    for (const off of this._off.splice(0)) off();
    this.removeAllListeners();
  }

  // --- host controls (the psychologist) ---

  /** @param {number} userId */
  admit(userId) {
    return this.socket.request(LiveEvent.ADMIT, { session: this.sessionId, user_id: userId });
  }

  admitAll() {
    return this.socket.request(LiveEvent.ADMIT, { session: this.sessionId, all: true });
  }

  /** Stop forwarding someone's microphone (or camera) on the server and tell them. @param {number} userId @param {'audio'|'video'} [kind] */
  mute(userId, kind = 'audio') {
    return this.socket.request(LiveEvent.MUTE, { session: this.sessionId, user_id: userId, kind });
  }

  /** @param {number} userId */
  cameraOff(userId) {
    return this.mute(userId, 'video');
  }

  /** @param {number} userId @param {'audio'|'video'} [kind] */
  askUnmute(userId, kind = 'audio') {
    return this.socket.request(LiveEvent.ASK_UNMUTE, { session: this.sessionId, user_id: userId, kind });
  }

  /** @param {number} userId */
  remove(userId) {
    return this.socket.request(LiveEvent.REMOVE, { session: this.sessionId, user_id: userId });
  }

  /** @param {boolean} locked */
  lock(locked) {
    return this.socket.request(LiveEvent.LOCK, { session: this.sessionId, locked });
  }

  end() {
    return this.socket.request(LiveEvent.END, { session: this.sessionId });
  }

  // --- diagnostics ---

  /**
   * Frames decoded so far for each remote participant's video: rising numbers mean the video really plays.
   * @returns {Promise<Record<number, number>>}
   */
  async framesDecoded() {
    /** @type {Record<number, number>} */
    const result = {};
    const pc = this.pc;
    if (!pc) return result;
    for (const transceiver of pc.getTransceivers()) {
      const userId = transceiver.mid === null ? undefined : this._owners.get(transceiver.mid);
      if (userId === undefined || transceiver.receiver.track.kind !== 'video') continue;
      const stats = await transceiver.receiver.getStats();
      stats.forEach((report) => {
        if (report.type === 'inbound-rtp' && report.kind === 'video') {
          result[userId] = (result[userId] ?? 0) + (report.framesDecoded ?? 0);
        }
      });
    }
    return result;
  }
}
