"""Touch 2: sending already-encoded packets.

aiortc encodes everything it sends. ``SenderPort`` writes forwarded RTP packets into an
``RTCRtpSender``'s SSRC, mid and header extension map, keeps its NACK history (so aiortc's own RTX
retransmission works on that leg) and its sender-report counters, and routes the subscriber's PLI/FIR to
a callback (aiortc only sets a flag for an encoder, which a forwarding sender does not have).
"""

from __future__ import annotations

import asyncio
import struct
import time
from collections.abc import Callable
from typing import Any

from aiortc import RTCRtpSender
from aiortc import rtcrtpsender as _sender_module
from aiortc.mediastreams import MediaStreamTrack
from aiortc.rtcrtpparameters import RTCRtpCodecParameters
from aiortc.rtp import RTP_HISTORY_SIZE, HeaderExtensions, RtpPacket


class IdleTrack(MediaStreamTrack):  # type: ignore[misc,unused-ignore]
    """A track whose ``recv`` never returns: it parks aiortc's RTP loop (no encoder, no polling).

    Without a track aiortc's sender polls every 20 ms; with a real track it would encode.
    """

    def __init__(self, kind: str) -> None:
        super().__init__()
        self.kind = kind
        self._never: asyncio.Future[None] = asyncio.get_event_loop().create_future()

    async def recv(self) -> Any:
        await self._never
        raise AssertionError("unreachable")  # pragma: no cover

    def stop(self) -> None:
        if not self._never.done():
            self._never.cancel()
        super().stop()


class SenderPort:
    """Writes forwarded RTP packets through an ``RTCRtpSender`` that never encodes.

    The sequence number is this port's own, so the subscriber sees a gapless stream even when the SFU
    drops frames (it waits for a keyframe after a loss); the timestamp is the publisher's, untouched.
    The header is serialised here (one-byte header extensions: mid, abs-send-time, audio level) rather
    than through ``RtpPacket.serialize``: this is the hottest loop of the SFU.
    """

    __slots__ = ("_ext", "_history", "_on_keyframe_request", "_sender", "_seq", "_ssrc", "sent")

    def __init__(self, sender: RTCRtpSender, on_keyframe_request: Callable[[], None]) -> None:
        self._sender = sender
        self._seq = _sender_module.random_sequence_number()
        self._ssrc: int = sender._ssrc
        self._history: dict[int, RtpPacket] = sender._RTCRtpSender__rtp_history  # type: ignore[attr-defined,unused-ignore]
        self._on_keyframe_request = on_keyframe_request
        self._ext: _ExtensionLayout | None = None
        self.sent = 0
        # aiortc calls sender._send_keyframe() on PLI and FIR; an instance attribute shadows the method.
        sender._send_keyframe = self._keyframe_requested  # type: ignore[method-assign,unused-ignore]

    def _keyframe_requested(self) -> None:
        self._on_keyframe_request()

    def bind(self, on_keyframe_request: Callable[[], None]) -> None:
        """Route this sender's PLI/FIR to another consumer (the transceiver was reused)."""
        self._on_keyframe_request = on_keyframe_request

    def detach(self) -> None:
        self._on_keyframe_request = _ignore

    @property
    def ready(self) -> bool:
        """True once aiortc started the sender (negotiated and DTLS connected)."""
        return bool(self._sender._RTCRtpSender__started)  # type: ignore[attr-defined,unused-ignore]

    async def write(self, packet: RtpPacket, payload_type: int) -> None:
        sender = self._sender
        ext = self._ext
        if ext is None:
            ext = self._ext = _ExtensionLayout(sender)
        seq = self._seq
        self._seq = (seq + 1) & 0xFFFF
        # Kept for NACK: aiortc's own _retransmit() serialises it (as RTX) from this history.
        kept = RtpPacket(payload_type, packet.marker, seq, packet.timestamp, self._ssrc, packet.payload)
        kept.extensions = ext.for_history
        self._history[seq % RTP_HISTORY_SIZE] = kept
        now = time.time()
        data = _HEADER.pack(0x90 if ext.present else 0x80, (packet.marker << 7) | payload_type, seq,
                            packet.timestamp, self._ssrc) + ext.render(now, packet.extensions.audio_level)
        try:
            await sender.transport._send_rtp(data + packet.payload)
        except ConnectionError:
            return
        # Sender-report counters, so subscribers can sync audio and video.
        sender._RTCRtpSender__ntp_timestamp = int((now + _NTP_OFFSET) * 4294967296.0)  # type: ignore[attr-defined,unused-ignore]
        sender._RTCRtpSender__rtp_timestamp = packet.timestamp  # type: ignore[attr-defined,unused-ignore]
        sender._RTCRtpSender__octet_count += len(packet.payload)  # type: ignore[attr-defined,unused-ignore]
        sender._RTCRtpSender__packet_count += 1  # type: ignore[attr-defined,unused-ignore]
        self.sent += 1


_HEADER = struct.Struct("!BBHII")
_NTP_OFFSET = 2208988800  # seconds from 1900 (NTP) to 1970 (Unix)


class _ExtensionLayout:
    """The negotiated one-byte header extensions of one sender (RFC 8285), prepared once."""

    __slots__ = ("abs_send_time_id", "audio_level_id", "for_history", "mid_element", "present")

    def __init__(self, sender: RTCRtpSender) -> None:
        ids = sender._RTCRtpSender__rtp_header_extensions_map._HeaderExtensionsMap__ids  # type: ignore[attr-defined,unused-ignore]
        mid: str | None = sender._RTCRtpSender__mid  # type: ignore[attr-defined,unused-ignore]
        self.mid_element = b""
        if ids.mid and mid:
            raw = mid.encode()
            self.mid_element = bytes([(ids.mid << 4) | (len(raw) - 1)]) + raw
        self.abs_send_time_id: int | None = ids.abs_send_time
        self.audio_level_id: int | None = ids.audio_level
        self.present = bool(self.mid_element or self.abs_send_time_id or self.audio_level_id)
        self.for_history = HeaderExtensions()
        self.for_history.mid = mid

    def render(self, now: float, audio_level: tuple[bool, int] | None) -> bytes:
        if not self.present:
            return b""
        body = self.mid_element
        if self.abs_send_time_id:
            # 6.18 fixed-point seconds, 24 bits (abs-send-time)
            value = int((now + _NTP_OFFSET) * 262144.0) & 0xFFFFFF
            body += bytes([(self.abs_send_time_id << 4) | 2, value >> 16, (value >> 8) & 0xFF, value & 0xFF])
        if self.audio_level_id and audio_level is not None:
            body += bytes([self.audio_level_id << 4, (0x80 if audio_level[0] else 0) | (audio_level[1] & 0x7F)])
        padding = -len(body) % 4
        if padding:
            body += b"\0" * padding
        return b"\xbe\xde" + (len(body) // 4).to_bytes(2, "big") + body


def _ignore() -> None:
    return None


def encoder_created(sender: RTCRtpSender) -> bool:
    return sender._RTCRtpSender__encoder is not None  # type: ignore[attr-defined,unused-ignore]


def negotiated_codecs(transceiver: Any) -> list[RTCRtpCodecParameters]:
    """The codecs of the last negotiation (aiortc keeps them on a private transceiver attribute)."""
    return list(transceiver._codecs)
