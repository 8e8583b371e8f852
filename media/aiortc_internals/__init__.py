"""Every touch of aiortc's and aioice's private parts, in one place: this package (aiortc pinned at 1.16.0).

Why this package exists: aiortc has no public API for an SFU. It decodes everything it receives and
encodes everything it sends. To forward RTP untouched we reach into its receivers, senders and DTLS
transport. Each touch below is covered by tests/media/test_aiortc_internals.py, so an aiortc upgrade
fails loudly there instead of silently in production. Nothing outside this package may use a private
attribute of aiortc or aioice. Callers import from the package (``from media import aiortc_internals``);
the submodules are its seams, not separate APIs.

The touches:
1. ``ForwardingReceiver`` (``receiving.py``): class swap of an ``RTCRtpReceiver``. It keeps aiortc's
   NACK generation, RTX unwrapping and receiver reports, stops the decoder thread, and hands each RTP
   packet to a callback instead of depayloading and reassembling it.
2. ``SenderPort`` (``sending.py``): writes already-encoded RTP packets into an ``RTCRtpSender``'s SSRC,
   mid and header extension map, keeps its NACK history (so aiortc's own RTX retransmission works on that
   leg) and its sender-report counters, and routes the subscriber's PLI/FIR to a callback (aiortc only
   sets a flag for an encoder, which a forwarding sender does not have).
3. RTX routing fix (``rtx_routing.py``): ``RTCDtlsTransport._register_rtp_receiver`` also registers each
   receiver's RTX SSRC, so RTX is not discarded when one transport has several receivers of the same kind.
   Malformed-packet guard (``malformed.py``): ``RTCDtlsTransport._handle_rtp_data`` /
   ``_handle_rtcp_data`` catch only ValueError while parsing; a ``struct.error`` (e.g. an audio-level
   extension of the wrong length) ended the DTLS receive loop and dropped the participant. The patched
   handlers count and drop it.
4. ICE (``ice.py``): the host addresses aioice binds to, its consent-freshness timing (how fast a
   vanished peer is noticed) and, through a stand-in for its ``asyncio`` module, the UDP port range of
   host candidates are module globals of aioice.
5. Test and benchmark helpers (``testing.py``): counting codec instances, sending a PLI from a client
   receiver, watching a client sender's keyframe requests, and dropping a fraction of a transport's RTP.
6. Stable numbering on renegotiation (``numbering.py``): aiortc's ``createOffer`` re-offers every m-line
   with its own payload types (Opus 96, VP8 97, RTX 98) and header-extension ids. Browsers refuse a
   re-offer that reassigns extension ids, and a changed payload type makes the SFU drop the publisher's
   packets. ``setRemoteDescription`` now remembers each transceiver's negotiated codecs and extensions,
   and server offers reuse those numbers (new m-lines reuse the transport's numbers for the same
   codec/URI).

7. The wire (``wire.py``): ``SrtpWire`` sends a forwarding port's packets in one synchronous call (DTLS
   state, SRTP protect, ``sendto`` on aioice's nominated candidate pair, the transport's counters)
   instead of aiortc's chain of four coroutines per packet.

8. Inline receiving (``inline.py``): once a transport forwards, its SRTP RTP packets are unprotected,
   parsed, routed and forwarded in the datagram callback instead of through aioice's queue and the
   DTLS transport's receive task; ``StunProtocol.datagram_received`` skips the STUN parse for RTP/RTCP
   (RFC 7983).

9. SRTP (``srtp.py``): ``SrtpCall`` calls libsrtp's protect/unprotect directly on a pylibsrtp
   ``Session``, without the wrapper's per-call allocation; used by the wire and inline receiving.

10. REMB (``bitrate.py``): a subscriber's receiver-estimated maximum bitrate reaches its forwarding
    sender (aiortc only hands it to an encoder), and the SFU sends REMB to a publisher from the
    receiver of its track.

11. Sender reports (``reports.py``): aiortc's RTCP task per sender is replaced by one ``Reports`` task
    per transport, which sends every forwarding port's SR and SDES in compound packets.

``install()`` (``patches.py``) applies the process-wide patches of 3, 6 and 8.
"""

from __future__ import annotations

from media.aiortc_internals.bitrate import send_remb, watch_remb
from media.aiortc_internals.ice import configure_ice
from media.aiortc_internals.inline import inline_packets, install_inline_receive
from media.aiortc_internals.malformed import malformed_packets
from media.aiortc_internals.patches import EXPECTED_AIORTC, install
from media.aiortc_internals.receiving import (
    ForwardingReceiver,
    PacketSink,
    decoder_running,
    detach_forwarding,
    make_forwarding,
    request_keyframe,
)
from media.aiortc_internals.reports import reports_for
from media.aiortc_internals.rtx_routing import routed_ssrcs
from media.aiortc_internals.sending import IdleTrack, SenderPort, encoder_created, negotiated_codecs
from media.aiortc_internals.srtp import SrtpCall
from media.aiortc_internals.testing import (
    CodecCounts,
    count_codec_instances,
    drop_outgoing_rtp,
    encoder_target_bitrate,
    on_keyframe_request,
    rtx_packets_received,
    send_pli,
    send_raw_rtp,
    send_remb_for,
    sender_reports_received,
    stop_bandwidth_estimation,
)
from media.aiortc_internals.wire import SrtpWire, wire_for

__all__ = [
    "EXPECTED_AIORTC",
    "CodecCounts",
    "ForwardingReceiver",
    "IdleTrack",
    "PacketSink",
    "SenderPort",
    "SrtpCall",
    "SrtpWire",
    "configure_ice",
    "count_codec_instances",
    "decoder_running",
    "detach_forwarding",
    "drop_outgoing_rtp",
    "encoder_created",
    "encoder_target_bitrate",
    "inline_packets",
    "install",
    "install_inline_receive",
    "make_forwarding",
    "malformed_packets",
    "negotiated_codecs",
    "on_keyframe_request",
    "reports_for",
    "request_keyframe",
    "routed_ssrcs",
    "rtx_packets_received",
    "send_pli",
    "send_raw_rtp",
    "send_remb",
    "send_remb_for",
    "sender_reports_received",
    "stop_bandwidth_estimation",
    "watch_remb",
    "wire_for",
]
