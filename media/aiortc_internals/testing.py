"""Touch 5: helpers for tests and the benchmark.

Counting codec instances, sending a PLI from a client receiver, watching a client sender's keyframe
requests, dropping a fraction of a transport's RTP, sending raw RTP and counting received RTX. They use
private parts of aiortc too, so they live here rather than in tests/ or loadtests/.
"""

from __future__ import annotations

import random
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from aiortc import RTCPeerConnection, RTCRtpReceiver, RTCRtpSender
from aiortc import rtcrtpreceiver as _receiver_module
from aiortc import rtcrtpsender as _sender_module
from aiortc.rtp import RTCP_PSFB_APP, RtcpPsfbPacket, RtcpSrPacket, pack_remb_fci
from aiortc.rtp import is_rtcp as _is_rtcp

from media.aiortc_internals.background import spawn
from media.aiortc_internals.wire import wire_for


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
    for ssrc in _media_ssrcs(receiver):
        spawn(receiver._send_rtcp_pli(ssrc))


def _media_ssrcs(receiver: RTCRtpReceiver) -> list[int]:
    rtx = set(receiver._RTCRtpReceiver__rtx_ssrc)  # type: ignore[attr-defined,unused-ignore]
    return [s for s in receiver._RTCRtpReceiver__remote_streams if s not in rtx]  # type: ignore[attr-defined,unused-ignore]


def send_remb_for(receiver: RTCRtpReceiver, bitrate: int) -> None:
    """Make a (client) receiver send a REMB of ``bitrate`` bits/s for the stream it receives."""
    rtcp_ssrc = receiver._RTCRtpReceiver__rtcp_ssrc  # type: ignore[attr-defined,unused-ignore]
    ssrcs = _media_ssrcs(receiver)
    if rtcp_ssrc is not None and ssrcs:
        packet = RtcpPsfbPacket(fmt=RTCP_PSFB_APP, ssrc=rtcp_ssrc, media_ssrc=0, fci=pack_remb_fci(bitrate, ssrcs))
        spawn(receiver._send_rtcp(packet))


def sender_reports_received(receiver: RTCRtpReceiver) -> list[RtcpSrPacket]:
    """Start recording the sender reports a (client) receiver gets; the list fills as they arrive."""
    received: list[RtcpSrPacket] = []
    original = receiver._handle_rtcp_packet

    async def handle_rtcp_packet(packet: Any) -> None:
        if isinstance(packet, RtcpSrPacket):
            received.append(packet)
        await original(packet)

    receiver._handle_rtcp_packet = handle_rtcp_packet  # type: ignore[method-assign,unused-ignore]
    return received


def stop_bandwidth_estimation(receiver: RTCRtpReceiver) -> None:
    """A (client) receiver stops sending its own REMB, so a test decides every estimate it sends."""
    receiver._RTCRtpReceiver__remote_bitrate_estimator = None  # type: ignore[attr-defined,unused-ignore]


def encoder_target_bitrate(sender: RTCRtpSender) -> int | None:
    """The bitrate a (client) sender's video encoder aims at: what the REMB it received asked for."""
    encoder = sender._RTCRtpSender__encoder  # type: ignore[attr-defined,unused-ignore]
    return getattr(encoder, "target_bitrate", None)


def on_keyframe_request(sender: RTCRtpSender, callback: Callable[[], None]) -> None:
    """Call ``callback`` whenever a (client) sender is asked for a keyframe, then let it encode one."""
    original = sender._send_keyframe

    def send_keyframe() -> None:
        callback()
        original()

    sender._send_keyframe = send_keyframe  # type: ignore[method-assign,unused-ignore]


def drop_outgoing_rtp(pc: RTCPeerConnection, rate: float, seed: int = 1) -> Callable[[], int]:
    """Drop a fraction of the RTP (not RTCP) a peer connection sends; returns a dropped-count getter.

    Used to inject loss on one leg. Applies to the connection's bundled DTLS transport: both to what
    aiortc sends itself (encoded tracks) and to what forwarding ports send through its wire.
    """
    rng = random.Random(seed)
    dropped = [0]

    def keep(data: bytes) -> bool:
        if _is_rtcp(data) or rng.random() >= rate:
            return True
        dropped[0] += 1
        return False

    transports = {t.sender.transport for t in pc.getTransceivers()}
    for transport in transports:
        original = transport._send_rtp

        async def send_rtp(data: bytes, _original: Any = original) -> None:
            if keep(data):
                await _original(data)

        transport._send_rtp = send_rtp  # type: ignore[method-assign,unused-ignore]
        wire_for(transport).drop = keep
    return lambda: dropped[0]


async def send_raw_rtp(sender: RTCRtpSender, data: bytes) -> None:
    """Send arbitrary (e.g. malformed) RTP bytes through a (client) sender's SRTP transport."""
    await sender.transport._send_rtp(data)


def rtx_packets_received(receiver: RTCRtpReceiver) -> int:
    """Retransmissions a (client) receiver got, counted on its RTX SSRC."""
    rtx = set(receiver._RTCRtpReceiver__rtx_ssrc)  # type: ignore[attr-defined,unused-ignore]
    streams = receiver._RTCRtpReceiver__remote_streams  # type: ignore[attr-defined,unused-ignore]
    return sum(s.packets_received for ssrc, s in streams.items() if ssrc in rtx)
