"""Touch 3 (continued): the malformed-packet guard.

``RTCDtlsTransport._handle_rtp_data`` / ``_handle_rtcp_data`` catch only ValueError while parsing; a
``struct.error`` (e.g. an audio-level extension of the wrong length) ended the DTLS receive loop and
dropped the participant. The patched handlers (applied by ``install()``) count and drop it.
"""

from __future__ import annotations

import struct
from typing import Any

import structlog
from aiortc import RTCPeerConnection
from aiortc.rtp import RtcpPacket, RtpPacket

log = structlog.get_logger(__name__)

# Whatever a parser may raise on hostile bytes (UnicodeDecodeError is a ValueError).
_MALFORMED = (ValueError, struct.error, IndexError)


def _count_malformed(transport: Any, kind: str, exc: Exception) -> None:
    count = getattr(transport, "_malformed_packets", 0) + 1
    transport._malformed_packets = count
    if count & (count - 1) == 0:  # 1, 2, 4, 8...: visible without letting a flood flood the log
        log.warning("media_malformed_packet_dropped", kind=kind, error=type(exc).__name__, count=count)


def parse_rtp(dtls: Any, data: bytes) -> RtpPacket | None:
    """An RTP packet with the transport's extension map, or None (counted) when it cannot be parsed."""
    try:
        return RtpPacket.parse(data, dtls._rtp_header_extensions_map)
    except _MALFORMED as exc:
        _count_malformed(dtls, "rtp", exc)
        return None


async def _handle_rtp_data_guarded(self: Any, data: bytes, arrival_time_ms: int) -> None:
    """aiortc's ``_handle_rtp_data`` with every parse error caught: one bad packet is dropped."""
    packet = parse_rtp(self, data)
    if packet is None:
        return
    receiver = self._rtp_router.route_rtp(packet)
    if receiver is not None:
        await receiver._handle_rtp_packet(packet, arrival_time_ms=arrival_time_ms)


async def _handle_rtcp_data_guarded(self: Any, data: bytes) -> None:
    """aiortc's ``_handle_rtcp_data`` with every parse error caught."""
    try:
        packets = RtcpPacket.parse(data)
    except _MALFORMED as exc:
        _count_malformed(self, "rtcp", exc)
        return
    for packet in packets:
        for recipient in self._rtp_router.route_rtcp(packet):
            await recipient._handle_rtcp_packet(packet)


def malformed_packets(pc: RTCPeerConnection) -> int:
    """RTP/RTCP packets a peer connection dropped because they could not be parsed."""
    transports = {t.receiver.transport for t in pc.getTransceivers()}
    return sum(getattr(t, "_malformed_packets", 0) for t in transports)
