"""Touch 3: RTX routing when a transport has several receivers of one kind.

``RTCDtlsTransport._register_rtp_receiver`` registers only the media SSRC, so RTX was discarded when one
(bundled) transport has several receivers of the same kind. The patched method (applied by
``install()``) also registers each receiver's RTX SSRC.
"""

from __future__ import annotations

from typing import Any

from aiortc import RTCPeerConnection
from aiortc import rtcdtlstransport as _dtls

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
