"""Touch 10: receiver-estimated maximum bitrate (REMB) across the SFU.

aiortc hands a subscriber's REMB only to an encoder (``RTCRtpSender._handle_rtcp_packet`` sets the
encoder's target bitrate), and a forwarding sender has none, so the estimate was dropped: a subscriber on
a poor link got the publisher's full bitrate. ``watch_remb`` reports the estimate a subscriber sends for
one sender; ``send_remb`` sends an estimate to a publisher from the receiver of its track.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aiortc import RTCRtpReceiver, RTCRtpSender
from aiortc.rtp import RTCP_PSFB_APP, RtcpPsfbPacket, pack_remb_fci, unpack_remb_fci

from media.aiortc_internals.background import spawn


def watch_remb(sender: RTCRtpSender, on_estimate: Callable[[int], None]) -> None:
    """Call ``on_estimate(bits_per_second)`` for each REMB the subscriber sends about this sender."""
    original = sender._handle_rtcp_packet

    async def handle_rtcp_packet(packet: Any) -> None:
        if isinstance(packet, RtcpPsfbPacket) and packet.fmt == RTCP_PSFB_APP:
            try:
                bitrate, ssrcs = unpack_remb_fci(packet.fci)
            except ValueError:
                bitrate, ssrcs = 0, []
            if sender._ssrc in ssrcs:
                on_estimate(bitrate)
        await original(packet)

    sender._handle_rtcp_packet = handle_rtcp_packet  # type: ignore[method-assign,unused-ignore]


def send_remb(receiver: RTCRtpReceiver, bitrate: int) -> bool:
    """Tell the publisher behind ``receiver`` to send at most ``bitrate`` bits/s; False if not yet possible
    (its SSRC or our RTCP SSRC not known yet)."""
    rtcp_ssrc: int | None = receiver._RTCRtpReceiver__rtcp_ssrc  # type: ignore[attr-defined,unused-ignore]
    media_ssrc: int | None = getattr(receiver, "_media_ssrc", None)
    if rtcp_ssrc is None or media_ssrc is None:
        return False
    packet = RtcpPsfbPacket(fmt=RTCP_PSFB_APP, ssrc=rtcp_ssrc, media_ssrc=0,
                            fci=pack_remb_fci(bitrate, [media_ssrc]))
    spawn(receiver._send_rtcp(packet))
    return True
