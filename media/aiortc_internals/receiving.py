"""Touch 1: receiving without decoding.

aiortc decodes every track it receives; an SFU only forwards. ``ForwardingReceiver`` keeps aiortc's NACK
generation, RTX unwrapping and receiver reports, stops the decoder thread, and hands each RTP packet to
a callback instead of depayloading and reassembling it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aiortc import RTCRtpReceiver
from aiortc import rtcrtpreceiver as _receiver_module
from aiortc.codecs import is_rtx
from aiortc.rtcrtpparameters import RTCRtpCodecParameters
from aiortc.rtp import RtpPacket, unwrap_rtx

from media.aiortc_internals.background import spawn
from media.aiortc_internals.inline import install_inline_receive
from media.aiortc_internals.reports import reports_for, take_over_reports

PacketSink = Callable[[RtpPacket, RTCRtpCodecParameters], None]
"""Receives each RTP packet of a forwarded track (RTX already unwrapped) with its codec. Synchronous:
it runs inside the datagram callback (see inline.py)."""

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
            reports_for(self.transport).add_receiver(self)  # its RR goes out with the transport's reports

    async def _handle_rtp_packet(self, packet: RtpPacket, arrival_time_ms: int) -> None:
        # The first packets come through aiortc's receive task; from then on the transport's packets
        # are handled in the datagram callback.
        install_inline_receive(self.transport)
        self._forward(packet)

    def _forward(self, packet: RtpPacket) -> None:
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
            spawn(self._send_rtcp_nack(packet.ssrc, sorted(nack.missing)))

        sink = self._sink
        if sink is not None:
            sink(packet, codec)


def make_forwarding(receiver: RTCRtpReceiver, sink: PacketSink) -> None:
    """Turn decoding off for ``receiver`` and send its packets to ``sink`` instead.

    Must be called before the receiver starts (right after ``setRemoteDescription`` returns, before
    the connection task aiortc schedules there gets to run).
    """
    if not isinstance(receiver, ForwardingReceiver):
        receiver.__class__ = ForwardingReceiver
        receiver._media_ssrc = None  # type: ignore[attr-defined,unused-ignore]
        take_over_reports(receiver)
    assert isinstance(receiver, ForwardingReceiver)
    receiver._sink = sink


def detach_forwarding(receiver: RTCRtpReceiver) -> None:
    if isinstance(receiver, ForwardingReceiver):
        receiver._sink = None
        reports_for(receiver.transport).remove_receiver(receiver)


def request_keyframe(receiver: RTCRtpReceiver) -> bool:
    """Send a PLI to the publisher behind ``receiver``; False if its SSRC is not known yet."""
    ssrc = getattr(receiver, "_media_ssrc", None)
    if ssrc is None:
        return False
    spawn(receiver._send_rtcp_pli(ssrc))
    return True


def decoder_running(receiver: RTCRtpReceiver) -> bool:
    return receiver._RTCRtpReceiver__decoder_thread is not None  # type: ignore[attr-defined,unused-ignore]
