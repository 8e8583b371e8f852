"""Touch 2: sending already-encoded packets.

aiortc encodes everything it sends. ``SenderPort`` writes forwarded RTP packets into an
``RTCRtpSender``'s SSRC, mid and header extension map, keeps its own NACK history and answers the
subscriber's NACKs with RTX on that leg, keeps the sender-report counters, and routes the subscriber's
PLI/FIR to a callback (aiortc only sets a flag for an encoder, which a forwarding sender does not have).
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
from aiortc.rtp import RTP_HISTORY_SIZE, RtcpSenderInfo, RtpPacket

from media.aiortc_internals.bitrate import watch_remb
from media.aiortc_internals.reports import SenderReport, reports_for, sender_cname, take_over_reports
from media.aiortc_internals.wire import SrtpWire, wire_for


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
    The header is serialised here (one-byte header extensions: mid, abs-send-time, audio level) and the
    packet leaves through the connection's :class:`SrtpWire` in one synchronous call: this is the
    hottest loop of the SFU. The port keeps its own history of what it sent and answers the
    subscriber's NACKs from it, as RTX when negotiated (aiortc's own history would cost an
    ``RtpPacket`` per packet sent).
    """

    __slots__ = ("_attached", "_ext", "_history", "_last_sent_at", "_last_timestamp", "_octets", "_on_bitrate",
                 "_on_keyframe_request", "_ready", "_rtx_seq", "_sender", "_seq", "_ssrc", "_wire", "sent")

    def __init__(self, sender: RTCRtpSender, on_keyframe_request: Callable[[], None]) -> None:
        self._sender = sender
        self._seq = _sender_module.random_sequence_number()
        self._rtx_seq = _sender_module.random_sequence_number()
        self._ssrc: int = sender._ssrc
        self._history: list[_Sent | None] = [None] * RTP_HISTORY_SIZE
        self._on_keyframe_request = on_keyframe_request
        self._on_bitrate: Callable[[int], None] = _ignore_bitrate
        self._ext: _ExtensionLayout | None = None
        self._wire: SrtpWire | None = None
        self._ready = False
        self._attached = True
        # Sender-report counters (touch 11 sends the reports): packets are ``sent``.
        self._last_sent_at = 0.0
        self._last_timestamp = 0
        self._octets = 0
        self.sent = 0
        # aiortc calls sender._send_keyframe() on PLI/FIR and sender._retransmit(seq) for each NACKed
        # packet; instance attributes shadow both methods.
        sender._send_keyframe = self._keyframe_requested  # type: ignore[method-assign,unused-ignore]
        sender._retransmit = self._retransmit  # type: ignore[method-assign,unused-ignore]
        watch_remb(sender, self._bitrate_estimated)
        take_over_reports(sender)

    def _keyframe_requested(self) -> None:
        self._on_keyframe_request()

    def _bitrate_estimated(self, bits_per_second: int) -> None:
        self._on_bitrate(bits_per_second)

    def bind(self, on_keyframe_request: Callable[[], None], on_bitrate: Callable[[int], None] | None = None) -> None:
        """Route this sender's PLI/FIR and REMB to a consumer (the transceiver may be reused)."""
        self._on_keyframe_request = on_keyframe_request
        self._on_bitrate = on_bitrate or _ignore_bitrate
        self._attached = True

    def detach(self) -> None:
        self._on_keyframe_request = _ignore
        self._on_bitrate = _ignore_bitrate
        self._attached = False

    def _report(self) -> SenderReport | None:
        """This sender's report for ``Reports``: None until it sent something, or once detached."""
        if not self.sent or not self._attached:
            return None
        info = RtcpSenderInfo(
            ntp_timestamp=int((self._last_sent_at + _NTP_OFFSET) * 4294967296.0),
            rtp_timestamp=self._last_timestamp,
            packet_count=self.sent & 0xFFFFFFFF,
            octet_count=self._octets & 0xFFFFFFFF,
        )
        return self._ssrc, info, sender_cname(self._sender)

    @property
    def ready(self) -> bool:
        """True once aiortc started the sender (negotiated and DTLS connected)."""
        if not self._ready and self._sender._RTCRtpSender__started:  # type: ignore[attr-defined,unused-ignore]
            self._ext = _ExtensionLayout(self._sender)
            self._wire = wire_for(self._sender.transport)
            reports_for(self._sender.transport).add(self._report)
            self._ready = True
        return self._ready

    def send(self, packet: RtpPacket, payload_type: int, now: float) -> None:
        """Send ``packet``'s payload as this sender's next packet; ``now`` is ``time.time()``."""
        if not self._ready and not self.ready:
            return
        ext = self._ext
        wire = self._wire
        assert ext is not None and wire is not None
        seq = self._seq
        self._seq = (seq + 1) & 0xFFFF
        level = packet.extensions.audio_level
        marker = packet.marker
        timestamp = packet.timestamp
        payload = packet.payload
        header = _HEADER.pack(ext.first_byte, (marker << 7) | payload_type, seq, timestamp, self._ssrc)
        if not wire.send(header + ext.render(now, level) + payload):
            return
        self._history[seq % RTP_HISTORY_SIZE] = (seq, payload_type, marker, timestamp, level, payload)
        # For the sender reports, so subscribers can sync audio and video.
        self._last_sent_at = now
        self._last_timestamp = timestamp
        self._octets += len(payload)
        self.sent += 1

    async def _retransmit(self, sequence_number: int) -> None:
        """Answer one NACKed sequence number: as RTX (RFC 4588) when negotiated, else resent as is."""
        kept = self._history[sequence_number % RTP_HISTORY_SIZE]
        ext, wire = self._ext, self._wire
        if kept is None or kept[0] != sequence_number or ext is None or wire is None:
            return
        seq, payload_type, marker, timestamp, level, payload = kept
        rtx_payload_type: int | None = self._sender._RTCRtpSender__rtx_payload_type  # type: ignore[attr-defined,unused-ignore]
        extensions = ext.render(time.time(), level)
        if rtx_payload_type is None:
            header = _HEADER.pack(ext.first_byte, (marker << 7) | payload_type, seq, timestamp, self._ssrc)
            wire.send(header + extensions + payload)
            return
        rtx_seq = self._rtx_seq
        self._rtx_seq = (rtx_seq + 1) & 0xFFFF
        header = _HEADER.pack(ext.first_byte, (marker << 7) | rtx_payload_type, rtx_seq, timestamp,
                              self._sender._rtx_ssrc)
        wire.send(header + extensions + seq.to_bytes(2, "big") + payload)


_Sent = tuple[int, int, int, int, tuple[bool, int] | None, bytes]
"""What a port keeps of a sent packet for NACKs: seq, payload type, marker, timestamp, audio level,
payload."""

_HEADER = struct.Struct("!BBHII")
_NTP_OFFSET = 2208988800  # seconds from 1900 (NTP) to 1970 (Unix)


class _ExtensionLayout:
    """The negotiated one-byte header extensions of one sender (RFC 8285), prepared once."""

    __slots__ = ("_abs_send_time_byte", "_audio_level_byte", "_mid", "first_byte", "present")

    def __init__(self, sender: RTCRtpSender) -> None:
        ids = sender._RTCRtpSender__rtp_header_extensions_map._HeaderExtensionsMap__ids  # type: ignore[attr-defined,unused-ignore]
        mid: str | None = sender._RTCRtpSender__mid  # type: ignore[attr-defined,unused-ignore]
        self._mid = b""
        if ids.mid and mid:
            raw = mid.encode()
            self._mid = bytes([(ids.mid << 4) | (len(raw) - 1)]) + raw
        abs_send_time_id: int | None = ids.abs_send_time
        audio_level_id: int | None = ids.audio_level
        self._abs_send_time_byte = (abs_send_time_id << 4) | 2 if abs_send_time_id else None
        self._audio_level_byte = audio_level_id << 4 if audio_level_id else None
        self.present = bool(self._mid or abs_send_time_id or audio_level_id)
        self.first_byte = 0x90 if self.present else 0x80  # V=2, X when extensions are present

    def render(self, now: float, audio_level: tuple[bool, int] | None) -> bytes:
        if not self.present:
            return b""
        body = self._mid
        if self._abs_send_time_byte is not None:
            # 6.18 fixed-point seconds, 24 bits (abs-send-time)
            value = int((now + _NTP_OFFSET) * 262144.0) & 0xFFFFFF
            body += bytes((self._abs_send_time_byte, value >> 16, (value >> 8) & 0xFF, value & 0xFF))
        if self._audio_level_byte is not None and audio_level is not None:
            body += bytes((self._audio_level_byte, (0x80 if audio_level[0] else 0) | (audio_level[1] & 0x7F)))
        padding = -len(body) % 4
        if padding:
            body += b"\0" * padding
        return b"\xbe\xde" + (len(body) // 4).to_bytes(2, "big") + body


def _ignore() -> None:
    return None


def _ignore_bitrate(_bits_per_second: int) -> None:
    return None


def encoder_created(sender: RTCRtpSender) -> bool:
    return sender._RTCRtpSender__encoder is not None  # type: ignore[attr-defined,unused-ignore]


def negotiated_codecs(transceiver: Any) -> list[RTCRtpCodecParameters]:
    """The codecs of the last negotiation (aiortc keeps them on a private transceiver attribute)."""
    return list(transceiver._codecs)
