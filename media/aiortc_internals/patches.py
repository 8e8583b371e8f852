"""Applies the process-wide patches of touches 3, 6 and 8, once, and only on the aiortc it was written for.

Kept apart from the patched functions so one place shows everything ``install()`` changes in aiortc.
"""

from __future__ import annotations

from aioice.ice import StunProtocol
from aiortc import RTCPeerConnection
from aiortc import rtcdtlstransport as _dtls
from aiortc import rtcpeerconnection as _pc_module

from media.aiortc_internals.inline import _datagram_received_demultiplexed
from media.aiortc_internals.malformed import _handle_rtcp_data_guarded, _handle_rtp_data_guarded
from media.aiortc_internals.numbering import (
    _create_offer_keeping_numbers,
    _describe_with_negotiated_numbers,
    _set_remote_description_recording,
)
from media.aiortc_internals.rtx_routing import _register_rtp_receiver_with_rtx

EXPECTED_AIORTC = "1.16.0"

_installed = False


def install() -> None:
    """Apply the process-wide patches (idempotent). Called when a MediaWorker is created."""
    global _installed
    if _installed:
        return
    import aiortc

    if aiortc.__version__ != EXPECTED_AIORTC:  # pragma: no cover - caught by tests on upgrade
        raise RuntimeError(f"media/aiortc_internals/ is written for aiortc {EXPECTED_AIORTC}")
    _dtls.RTCDtlsTransport._register_rtp_receiver = _register_rtp_receiver_with_rtx  # type: ignore[method-assign,unused-ignore]
    _dtls.RTCDtlsTransport._handle_rtp_data = _handle_rtp_data_guarded  # type: ignore[method-assign,unused-ignore]
    _dtls.RTCDtlsTransport._handle_rtcp_data = _handle_rtcp_data_guarded  # type: ignore[method-assign,unused-ignore]
    _pc_module.create_media_description_for_transceiver = _describe_with_negotiated_numbers
    RTCPeerConnection.createOffer = _create_offer_keeping_numbers  # type: ignore[method-assign,unused-ignore]
    RTCPeerConnection.setRemoteDescription = _set_remote_description_recording  # type: ignore[method-assign,unused-ignore]
    StunProtocol.datagram_received = _datagram_received_demultiplexed  # type: ignore[method-assign,unused-ignore]
    _installed = True
