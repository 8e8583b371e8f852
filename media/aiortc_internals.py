"""Every touch of aiortc's and aioice's private parts, in one place (aiortc pinned at 1.16.0).

Why this module exists: aiortc has no public API for an SFU. It decodes everything it receives and
encodes everything it sends. To forward RTP untouched we reach into its receivers, senders and DTLS
transport. Each touch below is covered by tests/media/test_aiortc_internals.py, so an aiortc upgrade
fails loudly there instead of silently in production. Nothing outside this module may use a private
attribute of aiortc or aioice.

The touches:
1. ``ForwardingReceiver``: class swap of an ``RTCRtpReceiver``. It keeps aiortc's NACK generation, RTX
   unwrapping and receiver reports, stops the decoder thread, and hands each RTP packet to a callback
   instead of depayloading and reassembling it.
2. ``SenderPort``: writes already-encoded RTP packets into an ``RTCRtpSender``'s SSRC, mid and header
   extension map, keeps its NACK history (so aiortc's own RTX retransmission works on that leg) and
   its sender-report counters, and routes the subscriber's PLI/FIR to a callback (aiortc only sets a
   flag for an encoder, which a forwarding sender does not have).
3. RTX routing fix: ``RTCDtlsTransport._register_rtp_receiver`` also registers each receiver's RTX
   SSRC, so RTX is not discarded when one transport has several receivers of the same kind.
   Malformed-packet guard: ``RTCDtlsTransport._handle_rtp_data`` / ``_handle_rtcp_data`` catch only
   ValueError while parsing; a ``struct.error`` (e.g. an audio-level extension of the wrong length)
   ended the DTLS receive loop and dropped the participant. The patched handlers count and drop it.
4. ICE: the host addresses aioice binds to, its consent-freshness timing (how fast a vanished peer is
   noticed) and, through a stand-in for its ``asyncio`` module, the UDP port range of host candidates
   are module globals of aioice.
5. Test and benchmark helpers: counting codec instances, sending a PLI from a client receiver,
   watching a client sender's keyframe requests, and dropping a fraction of a transport's RTP.
6. Stable numbering on renegotiation: aiortc's ``createOffer`` re-offers every m-line with its own
   payload types (Opus 96, VP8 97, RTX 98) and header-extension ids. Browsers refuse a re-offer that
   reassigns extension ids, and a changed payload type makes the SFU drop the publisher's packets.
   ``setRemoteDescription`` now remembers each transceiver's negotiated codecs and extensions, and
   server offers reuse those numbers (new m-lines reuse the transport's numbers for the same codec/URI).
"""

from __future__ import annotations

import asyncio
import contextvars
import copy
import random
import struct
import threading
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import aioice.ice
import structlog
from aiortc import RTCPeerConnection, RTCRtpReceiver, RTCRtpSender
from aiortc import rtcdtlstransport as _dtls
from aiortc import rtcpeerconnection as _pc_module
from aiortc import rtcrtpreceiver as _receiver_module
from aiortc import rtcrtpsender as _sender_module
from aiortc.codecs import is_rtx
from aiortc.mediastreams import MediaStreamTrack
from aiortc.rtcrtpparameters import RTCRtpCodecParameters, RTCRtpHeaderExtensionParameters
from aiortc.rtp import RTP_HISTORY_SIZE, HeaderExtensions, RtcpPacket, RtpPacket, unwrap_rtx
from aiortc.rtp import is_rtcp as _is_rtcp
from aiortc.sdp import SessionDescription

PacketSink = Callable[[RtpPacket, RTCRtpCodecParameters], Awaitable[None]]
"""Receives each RTP packet of a forwarded track (RTX already unwrapped) with its codec."""

EXPECTED_AIORTC = "1.16.0"

log = structlog.get_logger(__name__)

_background: set[asyncio.Future[Any]] = set()


def _spawn(coro: Awaitable[Any]) -> None:
    """Run a short RTCP send in the background, keeping a reference until it is done."""
    task = asyncio.ensure_future(coro)
    _background.add(task)
    task.add_done_callback(_background.discard)


# --------------------------------------------------------------------------------------------------
# 1. Receiving without decoding
# --------------------------------------------------------------------------------------------------


class ForwardingReceiver(RTCRtpReceiver):  # type: ignore[misc,unused-ignore]
    """An ``RTCRtpReceiver`` that forwards packets instead of decoding them.

    Installed with :func:`make_forwarding` on receivers aiortc created during ``setRemoteDescription``.
    It skips the REMB estimator (no bandwidth estimation on the forwarding path, see docs/media.md),
    depayloading and the jitter buffer, whose frames complete only when the next frame starts.
    """

    _sink: PacketSink | None
    _media_ssrc: int | None

    async def receive(self, parameters: Any) -> None:
        started = self._RTCRtpReceiver__started  # type: ignore[attr-defined,unused-ignore]
        await super().receive(parameters)
        if not started:
            # aiortc always starts a decoder thread; stop it at once: this receiver never decodes.
            self._RTCRtpReceiver__stop_decoder()  # type: ignore[attr-defined,unused-ignore]

    async def _handle_rtp_packet(self, packet: RtpPacket, arrival_time_ms: int) -> None:
        if not self._enabled:
            return
        codecs: dict[int, RTCRtpCodecParameters] = self._RTCRtpReceiver__codecs  # type: ignore[attr-defined,unused-ignore]
        codec = codecs.get(packet.payload_type)
        if codec is None:
            return
        streams = self._RTCRtpReceiver__remote_streams  # type: ignore[attr-defined,unused-ignore]
        stats = streams.get(packet.ssrc)
        if stats is None:
            stats = streams[packet.ssrc] = _receiver_module.StreamStatistics(codec.clockRate)
        stats.add(packet)

        if is_rtx(codec):
            original_ssrc = self._RTCRtpReceiver__rtx_ssrc.get(packet.ssrc)  # type: ignore[attr-defined,unused-ignore]
            apt = codec.parameters.get("apt")
            if original_ssrc is None or len(packet.payload) < 2 or not isinstance(apt, int):
                return
            if apt not in codecs:
                return
            packet = unwrap_rtx(packet, payload_type=apt, ssrc=original_ssrc)
            codec = codecs[apt]
        else:
            self._media_ssrc = packet.ssrc

        nack = self._RTCRtpReceiver__nack_generator  # type: ignore[attr-defined,unused-ignore]
        if nack is not None and nack.add(packet):
            await self._send_rtcp_nack(packet.ssrc, sorted(nack.missing))

        sink = self._sink
        if sink is not None:
            await sink(packet, codec)


def make_forwarding(receiver: RTCRtpReceiver, sink: PacketSink) -> None:
    """Turn decoding off for ``receiver`` and send its packets to ``sink`` instead.

    Must be called before the receiver starts (right after ``setRemoteDescription`` returns, before
    the connection task aiortc schedules there gets to run).
    """
    if not isinstance(receiver, ForwardingReceiver):
        receiver.__class__ = ForwardingReceiver
        receiver._media_ssrc = None  # type: ignore[attr-defined,unused-ignore]
    assert isinstance(receiver, ForwardingReceiver)
    receiver._sink = sink


def detach_forwarding(receiver: RTCRtpReceiver) -> None:
    if isinstance(receiver, ForwardingReceiver):
        receiver._sink = None


def request_keyframe(receiver: RTCRtpReceiver) -> bool:
    """Send a PLI to the publisher behind ``receiver``; False if its SSRC is not known yet."""
    ssrc = getattr(receiver, "_media_ssrc", None)
    if ssrc is None:
        return False
    _spawn(receiver._send_rtcp_pli(ssrc))
    return True


def decoder_running(receiver: RTCRtpReceiver) -> bool:
    return receiver._RTCRtpReceiver__decoder_thread is not None  # type: ignore[attr-defined,unused-ignore]


# --------------------------------------------------------------------------------------------------
# 2. Sending already-encoded packets
# --------------------------------------------------------------------------------------------------


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


# --------------------------------------------------------------------------------------------------
# 3. RTX routing when a transport has several receivers of one kind
# --------------------------------------------------------------------------------------------------

_original_register = _dtls.RTCDtlsTransport._register_rtp_receiver


def _register_rtp_receiver_with_rtx(self: Any, receiver: Any, parameters: Any) -> None:
    _original_register(self, receiver, parameters)
    rtx_ssrcs = [e.rtx.ssrc for e in parameters.encodings if e.rtx is not None]
    for ssrc in rtx_ssrcs:
        self._rtp_router.ssrc_table[ssrc] = receiver


# Whatever a parser may raise on hostile bytes (UnicodeDecodeError is a ValueError).
_MALFORMED = (ValueError, struct.error, IndexError)


def _count_malformed(transport: Any, kind: str, exc: Exception) -> None:
    count = getattr(transport, "_malformed_packets", 0) + 1
    transport._malformed_packets = count
    if count & (count - 1) == 0:  # 1, 2, 4, 8...: visible without letting a flood flood the log
        log.warning("media_malformed_packet_dropped", kind=kind, error=type(exc).__name__, count=count)


async def _handle_rtp_data_guarded(self: Any, data: bytes, arrival_time_ms: int) -> None:
    """aiortc's ``_handle_rtp_data`` with every parse error caught: one bad packet is dropped."""
    try:
        packet = RtpPacket.parse(data, self._rtp_header_extensions_map)
    except _MALFORMED as exc:
        _count_malformed(self, "rtp", exc)
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


def routed_ssrcs(pc: RTCPeerConnection) -> set[int]:
    """Every SSRC the peer connection's RTP router knows (for tests of the RTX fix)."""
    ssrcs: set[int] = set()
    for transceiver in pc.getTransceivers():
        ssrcs.update(transceiver.receiver.transport._rtp_router.ssrc_table)
    return ssrcs


# --------------------------------------------------------------------------------------------------
# 4. ICE: bind addresses and consent freshness
# --------------------------------------------------------------------------------------------------

_original_get_host_addresses = aioice.ice.get_host_addresses


def configure_ice(
    *,
    bind_addresses: tuple[str, ...],
    consent_interval: float,
    consent_failures: int,
    udp_port_range: tuple[int, int] | None = None,
) -> None:
    """Process-wide ICE settings: aioice has no per-connection options for these.

    ``bind_addresses`` empty means every interface (aioice's default, loopback excluded).
    A vanished peer is noticed after about ``consent_interval * consent_failures`` seconds.
    ``udp_port_range`` (inclusive) limits the ports of host candidates; None means ephemeral ports.
    """
    if bind_addresses:
        chosen = list(bind_addresses)

        def get_host_addresses(use_ipv4: bool, use_ipv6: bool) -> list[str]:
            return [a for a in chosen if (":" in a and use_ipv6) or (":" not in a and use_ipv4)]

        aioice.ice.get_host_addresses = get_host_addresses
    else:
        aioice.ice.get_host_addresses = _original_get_host_addresses
    aioice.ice.CONSENT_INTERVAL = consent_interval  # type: ignore[assignment,unused-ignore]
    aioice.ice.CONSENT_FAILURES = consent_failures
    aioice.ice.asyncio = _AsyncioWithPortRange(udp_port_range) if udp_port_range else asyncio  # type: ignore[assignment,unused-ignore]


class _LoopWithPortRange:
    """Delegates to the running loop; binds aioice's host candidates (local port 0) inside a range."""

    _next_offset = 0

    def __init__(self, loop: asyncio.AbstractEventLoop, ports: tuple[int, int]) -> None:
        self._loop = loop
        self._ports = ports

    def __getattr__(self, name: str) -> Any:
        return getattr(self._loop, name)

    async def create_datagram_endpoint(self, factory: Any, local_addr: Any = None, **kwargs: Any) -> Any:
        if local_addr is None or local_addr[1] != 0:
            return await self._loop.create_datagram_endpoint(factory, local_addr=local_addr, **kwargs)
        first, last = self._ports
        size = last - first + 1
        for attempt in range(size):
            port = first + (_LoopWithPortRange._next_offset + attempt) % size
            try:
                result = await self._loop.create_datagram_endpoint(
                    factory, local_addr=(local_addr[0], port), **kwargs)
            except OSError:
                continue
            _LoopWithPortRange._next_offset = (port - first + 1) % size
            return result
        raise OSError(f"no free UDP port in {first}-{last}")


class _AsyncioWithPortRange:
    """Stands in for the ``asyncio`` module inside aioice.ice: only ``get_running_loop`` differs."""

    def __init__(self, ports: tuple[int, int]) -> None:
        self._ports = ports

    def __getattr__(self, name: str) -> Any:
        return getattr(asyncio, name)

    def get_running_loop(self) -> _LoopWithPortRange:
        return _LoopWithPortRange(asyncio.get_running_loop(), self._ports)


# --------------------------------------------------------------------------------------------------
# 6. Stable payload types and header-extension ids across server-initiated renegotiation
# --------------------------------------------------------------------------------------------------

_DYNAMIC_PTS = range(96, 128)
_EXTENSION_IDS = range(1, 15)


def _codec_key(codec: RTCRtpCodecParameters) -> tuple[str, int, int | None, str]:
    mime = codec.mimeType.lower()
    extra = ""
    if mime == "video/h264":
        profile = str(codec.parameters.get("profile-level-id", ""))[:2]
        extra = f"{codec.parameters.get('packetization-mode', '0')}/{profile}"
    return (mime, codec.clockRate, codec.channels, extra)


class _Numbering:
    """The payload types and extension ids already negotiated on one peer connection.

    A transceiver's own numbers win; new m-lines take the transport's numbers for the same codec or
    URI (one BUNDLE, one numbering), and anything new gets a number nobody uses yet.
    """

    def __init__(self, transceivers: list[Any], remote_extension_ids: dict[str, int]) -> None:
        self.pts: dict[tuple[str, int, int | None, str], int] = {}
        self.rtx_pts: dict[tuple[str, int, int | None, str], int] = {}
        self.ext_ids: dict[str, int] = {}
        for transceiver in transceivers:
            self._learn(transceiver)
        for uri, x_id in remote_extension_ids.items():
            self.ext_ids.setdefault(uri, x_id)
        self.used_pts = set(self.pts.values()) | set(self.rtx_pts.values())

    def _learn(self, transceiver: Any) -> None:
        record = getattr(transceiver, "_sfu_negotiated", None)
        if record is None:
            return
        codecs, extensions = record
        by_pt = {c.payloadType: c for c in codecs}
        for codec in codecs:
            if is_rtx(codec):
                base = by_pt.get(codec.parameters.get("apt"))
                if base is not None:
                    self.rtx_pts.setdefault(_codec_key(base), codec.payloadType)
            else:
                self.pts.setdefault(_codec_key(codec), codec.payloadType)
        for extension in extensions:
            self.ext_ids.setdefault(extension.uri, extension.id)

    def apply(self, transceiver: Any) -> None:
        own = _Numbering([transceiver], {})
        taken: set[int] = set()

        def choose(key: Any, default: int | None, own_map: dict[Any, int], shared: dict[Any, int]) -> int:
            for candidate in (own_map.get(key), shared.get(key)):
                if candidate is not None and candidate not in taken:
                    return candidate
            if default is not None and default not in taken and default not in self.used_pts:
                return default
            return next(pt for pt in _DYNAMIC_PTS if pt not in taken and pt not in self.used_pts)

        codecs = [copy.deepcopy(c) for c in transceiver._codecs]
        renumbered: dict[int | None, int] = {}
        for codec in codecs:
            if not is_rtx(codec):
                new = choose(_codec_key(codec), codec.payloadType, own.pts, self.pts)
                renumbered[codec.payloadType] = new
                codec.payloadType = new
                taken.add(new)
        bases = {c.payloadType: c for c in codecs if not is_rtx(c)}
        for codec in codecs:
            if is_rtx(codec):
                apt = renumbered.get(codec.parameters.get("apt"))  # type: ignore[arg-type,unused-ignore]
                base = bases.get(apt)
                if apt is None or base is None:
                    continue
                codec.parameters["apt"] = apt
                new = choose(_codec_key(base), codec.payloadType, own.rtx_pts, self.rtx_pts)
                codec.payloadType = new
                taken.add(new)
        transceiver._codecs = [c for c in codecs if not is_rtx(c) or c.parameters.get("apt") in bases]

        ids_taken: set[int] = set()
        extensions = []
        for extension in transceiver._headerExtensions:
            x_id = own.ext_ids.get(extension.uri) or self.ext_ids.get(extension.uri)
            if x_id is None or x_id in ids_taken:
                others = set(self.ext_ids.values()) | ids_taken
                x_id = extension.id if extension.id not in others else next(
                    i for i in _EXTENSION_IDS if i not in others)
            ids_taken.add(x_id)
            extensions.append(RTCRtpHeaderExtensionParameters(id=x_id, uri=extension.uri))
        transceiver._headerExtensions = extensions


_offer_numbering: contextvars.ContextVar[_Numbering | None] = contextvars.ContextVar(
    "_offer_numbering", default=None)
_original_describe = _pc_module.create_media_description_for_transceiver
_original_create_offer = RTCPeerConnection.createOffer
_original_set_remote = RTCPeerConnection.setRemoteDescription


def _describe_with_negotiated_numbers(transceiver: Any, cname: str, direction: str, mid: str) -> Any:
    numbering = _offer_numbering.get()
    if numbering is not None:
        numbering.apply(transceiver)
    return _original_describe(transceiver, cname=cname, direction=direction, mid=mid)


async def _create_offer_keeping_numbers(self: Any) -> Any:
    numbering = _Numbering(self.getTransceivers(), getattr(self, "_sfu_remote_extension_ids", {}))
    token = _offer_numbering.set(numbering)
    try:
        return await _original_create_offer(self)
    finally:
        _offer_numbering.reset(token)


async def _set_remote_description_recording(self: Any, description: Any) -> None:
    await _original_set_remote(self, description)
    for transceiver in self.getTransceivers():
        if transceiver.mid is not None and transceiver._codecs:
            transceiver._sfu_negotiated = (copy.deepcopy(transceiver._codecs),
                                           copy.deepcopy(transceiver._headerExtensions))
    # Ids the remote uses for extensions aiortc does not know (e.g. transport-cc) are taken too.
    remote_ids: dict[str, int] = getattr(self, "_sfu_remote_extension_ids", {})
    for media in SessionDescription.parse(description.sdp).media:
        if media.rtp is not None:
            for extension in media.rtp.headerExtensions:
                remote_ids.setdefault(extension.uri, extension.id)
    self._sfu_remote_extension_ids = remote_ids


_installed = False


def install() -> None:
    """Apply the process-wide patches (idempotent). Called when a MediaWorker is created."""
    global _installed
    if _installed:
        return
    import aiortc

    if aiortc.__version__ != EXPECTED_AIORTC:  # pragma: no cover - caught by tests on upgrade
        raise RuntimeError(f"media/aiortc_internals.py is written for aiortc {EXPECTED_AIORTC}")
    _dtls.RTCDtlsTransport._register_rtp_receiver = _register_rtp_receiver_with_rtx  # type: ignore[method-assign,unused-ignore]
    _dtls.RTCDtlsTransport._handle_rtp_data = _handle_rtp_data_guarded  # type: ignore[method-assign,unused-ignore]
    _dtls.RTCDtlsTransport._handle_rtcp_data = _handle_rtcp_data_guarded  # type: ignore[method-assign,unused-ignore]
    _pc_module.create_media_description_for_transceiver = _describe_with_negotiated_numbers
    RTCPeerConnection.createOffer = _create_offer_keeping_numbers  # type: ignore[method-assign,unused-ignore]
    RTCPeerConnection.setRemoteDescription = _set_remote_description_recording  # type: ignore[method-assign,unused-ignore]
    _installed = True


# --------------------------------------------------------------------------------------------------
# 5. Helpers for tests and the benchmark
# --------------------------------------------------------------------------------------------------


@dataclass
class CodecCounts:
    encoders: int = 0
    decoders: int = 0


@contextmanager
def count_codec_instances() -> Iterator[CodecCounts]:
    """Count encoders and decoders aiortc creates in this process while the block runs."""
    counts = CodecCounts()
    lock = threading.Lock()
    real_encoder = getattr(_sender_module, "get_encoder")  # noqa: B009
    real_decoder = getattr(_receiver_module, "get_decoder")  # noqa: B009

    def get_encoder(codec: Any) -> Any:
        with lock:
            counts.encoders += 1
        return real_encoder(codec)

    def get_decoder(codec: Any) -> Any:
        with lock:
            counts.decoders += 1
        return real_decoder(codec)

    setattr(_sender_module, "get_encoder", get_encoder)  # noqa: B010
    setattr(_receiver_module, "get_decoder", get_decoder)  # noqa: B010
    try:
        yield counts
    finally:
        setattr(_sender_module, "get_encoder", real_encoder)  # noqa: B010
        setattr(_receiver_module, "get_decoder", real_decoder)  # noqa: B010


def send_pli(receiver: RTCRtpReceiver) -> None:
    """Make a (client) receiver send a PLI for the stream it receives."""
    ssrcs = list(receiver._RTCRtpReceiver__remote_streams)  # type: ignore[attr-defined,unused-ignore]
    rtx = set(receiver._RTCRtpReceiver__rtx_ssrc)  # type: ignore[attr-defined,unused-ignore]
    for ssrc in ssrcs:
        if ssrc not in rtx:
            _spawn(receiver._send_rtcp_pli(ssrc))


def on_keyframe_request(sender: RTCRtpSender, callback: Callable[[], None]) -> None:
    """Call ``callback`` whenever a (client) sender is asked for a keyframe, then let it encode one."""
    original = sender._send_keyframe

    def send_keyframe() -> None:
        callback()
        original()

    sender._send_keyframe = send_keyframe  # type: ignore[method-assign,unused-ignore]


def drop_outgoing_rtp(pc: RTCPeerConnection, rate: float, seed: int = 1) -> Callable[[], int]:
    """Drop a fraction of the RTP (not RTCP) a peer connection sends; returns a dropped-count getter.

    Used to inject loss on one leg. Applies to the connection's bundled DTLS transport.
    """
    rng = random.Random(seed)
    dropped = [0]
    transports = {t.sender.transport for t in pc.getTransceivers()}
    for transport in transports:
        original = transport._send_rtp

        async def send_rtp(data: bytes, _original: Any = original) -> None:
            if not _is_rtcp(data) and rng.random() < rate:
                dropped[0] += 1
                return
            await _original(data)

        transport._send_rtp = send_rtp  # type: ignore[method-assign,unused-ignore]
    return lambda: dropped[0]



async def send_raw_rtp(sender: RTCRtpSender, data: bytes) -> None:
    """Send arbitrary (e.g. malformed) RTP bytes through a (client) sender's SRTP transport."""
    await sender.transport._send_rtp(data)


def rtx_packets_received(receiver: RTCRtpReceiver) -> int:
    """Retransmissions a (client) receiver got, counted on its RTX SSRC."""
    rtx = set(receiver._RTCRtpReceiver__rtx_ssrc)  # type: ignore[attr-defined,unused-ignore]
    streams = receiver._RTCRtpReceiver__remote_streams  # type: ignore[attr-defined,unused-ignore]
    return sum(s.packets_received for ssrc, s in streams.items() if ssrc in rtx)
