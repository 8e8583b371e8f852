// @ts-check
/**
 * Session descriptions as the SFU can renegotiate them (see LiveSession, docs/signaling.md).
 */

/**
 * Our offer as the SFU can renegotiate it: its header extension ids and payload type numbers.
 * @param {string} sdp
 */
export function sdpForSfu(sdp) {
  return alignPayloadTypes(alignHeaderExtensions(sdp));
}

/**
 * The payload types the SFU (aiortc) uses in its own offers. Its renegotiation offers number our
 * published m-lines this way whatever was negotiated before; the browser then switches to these numbers
 * while the SFU keeps receiving with the old ones and drops every packet. So we publish with them from
 * the start: Opus 96, VP8 97 and its RTX 98, and nothing else (the SFU forwards, it never transcodes).
 */
export const SFU_PAYLOAD_TYPES = Object.freeze({ opus: 96, vp8: 97, rtx: 98 });

/**
 * Keep only Opus (audio) and VP8 with its RTX (video) in each m-section, renumbered as SFU_PAYLOAD_TYPES.
 * @param {string} sdp
 * @returns {string}
 */
export function alignPayloadTypes(sdp) {
  const eol = sdp.includes('\r\n') ? '\r\n' : '\n';
  const [head, ...sections] = sdp.split(/\r?\n(?=m=)/);
  const out = [head];
  for (const section of sections) {
    const lines = section.split(/\r?\n/);
    const kind = lines[0].slice(2).split(' ')[0];
    /** @type {Map<string, number>} old payload type -> new */
    const keep = new Map();
    const rtpmap = (/** @type {RegExp} */ re) => lines.map((l) => l.match(re)).find(Boolean)?.[1];
    if (kind === 'audio') {
      const opus = rtpmap(/^a=rtpmap:(\d+) opus\/48000/i);
      if (opus) keep.set(opus, SFU_PAYLOAD_TYPES.opus);
    } else if (kind === 'video') {
      const vp8 = rtpmap(/^a=rtpmap:(\d+) VP8\/90000/i);
      if (vp8) {
        keep.set(vp8, SFU_PAYLOAD_TYPES.vp8);
        const rtx = lines.map((l) => l.match(new RegExp(`^a=fmtp:(\\d+) apt=${vp8}$`))).find(Boolean)?.[1];
        if (rtx) keep.set(rtx, SFU_PAYLOAD_TYPES.rtx);
      }
    }
    if (!keep.size) {
      out.push(lines.join(eol));
      continue;
    }
    const kept = [];
    for (const line of lines) {
      if (line.startsWith('m=')) {
        const parts = line.split(' ');
        kept.push([...parts.slice(0, 3), ...[...keep.values()].map(String)].join(' '));
        continue;
      }
      const match = line.match(/^a=(rtpmap|fmtp|rtcp-fb):(\d+)(.*)$/);
      if (!match) {
        kept.push(line);
        continue;
      }
      const renumbered = keep.get(match[2]);
      if (renumbered === undefined) continue;
      let rest = match[3];
      if (match[1] === 'fmtp') rest = rest.replace(/apt=(\d+)/, (_m, apt) => `apt=${keep.get(apt) ?? apt}`);
      kept.push(`a=${match[1]}:${renumbered}${rest}`);
    }
    out.push(kept.join(eol));
  }
  return out.join(eol);
}

/**
 * The RTP header extension ids of the SFU (aiortc's fixed table). The SFU's own renegotiation offers use
 * these ids whatever was negotiated before, and it keeps one id map for the whole BUNDLE transport; with
 * the browser's own ids the browser refuses the re-offer ("RTP extension ID reassignment not supported")
 * and the SFU misreads our packets. So our offers use the SFU's ids, and leave out extensions it ignores.
 */
export const SFU_HEADER_EXTENSIONS = Object.freeze({
  'urn:ietf:params:rtp-hdrext:sdes:mid': 1,
  'urn:ietf:params:rtp-hdrext:ssrc-audio-level': 2,
  'http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time': 3,
});

/**
 * Rewrite the `a=extmap` lines of a session description to the SFU's ids (see SFU_HEADER_EXTENSIONS).
 * @param {string} sdp
 * @returns {string}
 */
export function alignHeaderExtensions(sdp) {
  const ids = /** @type {Record<string, number>} */ (SFU_HEADER_EXTENSIONS);
  const eol = sdp.includes('\r\n') ? '\r\n' : '\n';
  const out = [];
  for (const line of sdp.split(/\r?\n/)) {
    const match = line.match(/^a=extmap:(\d+)(\/\w+)?\s+(\S+)(.*)$/);
    if (!match) {
      out.push(line);
      continue;
    }
    const id = ids[match[3]];
    if (id !== undefined) out.push(`a=extmap:${id}${match[2] ?? ''} ${match[3]}${match[4]}`);
  }
  return out.join(eol);
}
