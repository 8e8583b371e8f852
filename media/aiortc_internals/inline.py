"""Touch 8: incoming RTP handled in the datagram callback.

Why: aiortc receives every datagram in three hops. aioice first tries to parse it as STUN, which
raises for every media packet. It then queues the datagram. Later, on another loop iteration, the DTLS
transport's receive task wakes up to take it off the queue. A forwarding SFU does nothing slow with
a packet (SRTP unprotect, parse, route, fan out), so once a transport forwards, its SRTP RTP packets are
handled where they arrive. Everything else (DTLS, SRTCP, anything while older datagrams still wait in
the queue) keeps aiortc's path, so the order of what aiortc sees is unchanged.

Two patches:
- ``install()`` makes ``StunProtocol.datagram_received`` pass RTP/RTCP straight on (RFC 7983
  demultiplexing on the first byte: STUN starts with 0-3, RTP/RTCP with 128-191) instead of
  attempting a STUN parse.
- ``install_inline_receive(dtls)`` replaces ``data_received`` of that transport's aioice connection
  (an instance attribute, for that connection only).
"""

from __future__ import annotations

from typing import Any

from aioice.ice import StunProtocol
from aiortc.clock import current_ms
from aiortc.rtcdtlstransport import RTCDtlsTransport
from aiortc.rtcdtlstransport import State as _DtlsState

from media.aiortc_internals.background import spawn
from media.aiortc_internals.malformed import parse_rtp
from media.aiortc_internals.srtp import SrtpCall

_original_datagram_received = StunProtocol.datagram_received


def _datagram_received_demultiplexed(self: Any, data: bytes, addr: tuple[Any, ...]) -> None:
    if len(data) > 1 and 127 < data[0] < 192:
        self.receiver.data_received(data, self.local_candidate.component)
        return
    _original_datagram_received(self, data, addr)


class _InlineReceive:
    """The replacement ``Connection.data_received`` of one forwarding transport."""

    __slots__ = ("_dtls", "_queue", "_queued", "_unprotect", "packets")

    def __init__(self, dtls: RTCDtlsTransport, connection: Any) -> None:
        self._dtls = dtls
        self._queue = connection._queue
        self._queued = connection.data_received  # aioice's own: put on the queue
        self._unprotect: SrtpCall | None = None
        self.packets = 0

    def __call__(self, data: bytes, component: int) -> None:
        dtls = self._dtls
        srtp = dtls._rx_srtp
        # RTP only (RTCP's packet types 192-223 sit in the second byte), connected, nothing queued.
        if (srtp is None or len(data) < 12 or not 127 < data[0] < 192 or 191 < data[1] < 224
                or dtls._state is not _DtlsState.CONNECTED or not self._queue.empty()):
            self._queued(data, component)
            return
        unprotect = self._unprotect
        if unprotect is None or unprotect.session is not srtp:
            unprotect = self._unprotect = SrtpCall.unprotect(srtp)
        plain = unprotect(data)
        if plain is None:  # fails authentication, a replay, or too long: dropped as aiortc does
            return
        dtls._RTCDtlsTransport__rx_bytes += len(data)  # type: ignore[attr-defined,unused-ignore]
        dtls._RTCDtlsTransport__rx_packets += 1  # type: ignore[attr-defined,unused-ignore]
        packet = parse_rtp(dtls, plain)
        if packet is None:
            return
        receiver = dtls._rtp_router.route_rtp(packet)
        if receiver is None:
            return
        self.packets += 1
        forward = getattr(receiver, "_forward", None)
        if forward is not None:
            forward(packet)
        else:  # a receiver that decodes (not on the SFU): aiortc's coroutine, as before
            spawn(receiver._handle_rtp_packet(packet, arrival_time_ms=current_ms()))


def install_inline_receive(dtls: RTCDtlsTransport) -> None:
    """Handle ``dtls``'s incoming SRTP RTP in the datagram callback from now on (idempotent)."""
    connection = dtls.transport._connection
    if isinstance(connection.__dict__.get("data_received"), _InlineReceive):
        return
    connection.data_received = _InlineReceive(dtls, connection)


def inline_packets(dtls: RTCDtlsTransport) -> int:
    """Packets handled inline on ``dtls`` so far (0 when it never switched)."""
    inline = dtls.transport._connection.__dict__.get("data_received")
    return inline.packets if isinstance(inline, _InlineReceive) else 0
