// The offer the browser sends is rewritten to the SFU's payload types and header extension ids.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sdpForSfu } from '../src/lib/sdp.js';

const chromeOffer = [
  'v=0', 'o=- 1 2 IN IP4 127.0.0.1', 's=-', 't=0 0', 'a=group:BUNDLE 0 1',
  'm=audio 9 UDP/TLS/RTP/SAVPF 111 63 9 0 8 13 110 126', 'c=IN IP4 0.0.0.0', 'a=mid:0',
  'a=extmap:1 urn:ietf:params:rtp-hdrext:ssrc-audio-level', 'a=extmap:4 urn:ietf:params:rtp-hdrext:sdes:mid',
  'a=extmap:3 http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01',
  'a=sendonly', 'a=rtpmap:111 opus/48000/2', 'a=rtcp-fb:111 transport-cc', 'a=fmtp:111 minptime=10;useinbandfec=1',
  'a=rtpmap:63 red/48000/2', 'a=fmtp:63 111/111', 'a=rtpmap:9 G722/8000', 'a=ssrc:1 cname:x',
  'm=video 9 UDP/TLS/RTP/SAVPF 96 97 102 103', 'c=IN IP4 0.0.0.0', 'a=mid:1',
  'a=extmap:2 http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time', 'a=extmap:4 urn:ietf:params:rtp-hdrext:sdes:mid',
  'a=rtpmap:96 VP8/90000', 'a=rtcp-fb:96 nack', 'a=rtcp-fb:96 nack pli', 'a=rtpmap:97 rtx/90000', 'a=fmtp:97 apt=96',
  'a=rtpmap:102 H264/90000', 'a=fmtp:102 level-asymmetry-allowed=1', 'a=rtpmap:103 rtx/90000', 'a=fmtp:103 apt=102',
  '',
].join('\r\n');

test('audio is published as Opus 96 only, video as VP8 97 with RTX 98', () => {
  const sdp = sdpForSfu(chromeOffer);
  assert.match(sdp, /^m=audio 9 UDP\/TLS\/RTP\/SAVPF 96\r$/m);
  assert.match(sdp, /^a=rtpmap:96 opus\/48000\/2\r$/m);
  assert.match(sdp, /^a=fmtp:96 minptime=10;useinbandfec=1\r$/m);
  assert.match(sdp, /^m=video 9 UDP\/TLS\/RTP\/SAVPF 97 98\r$/m);
  assert.match(sdp, /^a=rtpmap:97 VP8\/90000\r$/m);
  assert.match(sdp, /^a=fmtp:98 apt=97\r$/m);
  assert.doesNotMatch(sdp, /H264|red\/48000|G722|:111 |:102 /);
  assert.match(sdp, /^a=ssrc:1 cname:x\r$/m);
});

test('header extensions take the SFU ids and unknown ones are left out', () => {
  const sdp = sdpForSfu(chromeOffer);
  assert.deepEqual(sdp.match(/^a=extmap:.*$/gm).map((l) => l.trim()), [
    'a=extmap:2 urn:ietf:params:rtp-hdrext:ssrc-audio-level',
    'a=extmap:1 urn:ietf:params:rtp-hdrext:sdes:mid',
    'a=extmap:3 http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time',
    'a=extmap:1 urn:ietf:params:rtp-hdrext:sdes:mid',
  ]);
});
