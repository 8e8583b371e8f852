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
4. ICE: the host addresses aioice binds to, its consent-freshness timing (how fast a vanished peer is
   noticed) and, through a stand-in for its ``asyncio`` module, the UDP port range of host candidates
   are module globals of aioice.
5. Test and benchmark helpers: counting codec instances, sending a PLI from a client receiver,
   watching a client sender's keyframe requests, and dropping a fraction of a transport's RTP.
"""

from __future__ import annotations

import asyncio
import random
import struct
import threading
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import aioice.ice
from aiortc import RTCPeerConnection, RTCRtpReceiver, RTCRtpSender
from aiortc import rtcdtlstransport as _dtls
from aiortc import rtcrtpreceiver as _receiver_module
from aiortc import rtcrtpsender as _sender_module
from aiortc.codecs import is_rtx
from aiortc.mediastreams import MediaStreamTrack
from aiortc.rtcrtpparameters import RTCRtpCodecParameters
from aiortc.rtp import RTP_HISTORY_SIZE, HeaderExtensions, RtpPacket, unwrap_rtx
from aiortc.rtp import is_rtcp as _is_rtcp

PacketSink = Callable[[RtpPacket, RTCRtpCodecParameters], Awaitable[None]]
"""Receives each RTP packet of a forwarded track (RTX already unwrapped) with its codec."""

EXPECTED_AIORTC = "1.16.0"

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



def rtx_packets_received(receiver: RTCRtpReceiver) -> int:
    """Retransmissions a (client) receiver got, counted on its RTX SSRC."""
    rtx = set(receiver._RTCRtpReceiver__rtx_ssrc)  # type: ignore[attr-defined,unused-ignore]
    streams = receiver._RTCRtpReceiver__remote_streams  # type: ignore[attr-defined,unused-ignore]
    return sum(s.packets_received for ssrc, s in streams.items() if ssrc in rtx)
