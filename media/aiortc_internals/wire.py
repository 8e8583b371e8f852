"""Touch 7: the encrypted UDP path of one peer connection, driven synchronously.

Why: aiortc sends every RTP packet through four coroutines (``RTCDtlsTransport._send_rtp``, aioice's
``Connection.send``, ``sendto`` and ``StunProtocol.send_data``), which end in one non-blocking
``DatagramTransport.sendto``. An SFU sends one packet per subscriber for every packet it receives, so
that chain was a fifth of its CPU. ``SrtpWire.send`` does the same work (state check, SRTP protect,
``sendto`` on the nominated candidate pair, transport counters) in one plain call. Over a TURN relay
the candidate pair's protocol is asynchronous, so there the wire falls back to aioice's coroutine.

SRTP is applied by ``srtp.SrtpCall`` (libsrtp without pylibsrtp's per-call allocation).
aioice and pylibsrtp are pinned with aiortc.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aioice.ice import StunProtocol
from aiortc.rtcdtlstransport import RTCDtlsTransport
from aiortc.rtcdtlstransport import State as _DtlsState

from media.aiortc_internals.background import spawn
from media.aiortc_internals.srtp import SrtpCall

_COMPONENT_RTP = 1

PacketFilter = Callable[[bytes], bool]
"""Returns False for a plaintext RTP packet that must not be sent (tests inject loss with it)."""


class SrtpWire:
    """Sends plaintext RTP packets, SRTP-protected, to the peer of one (bundled) DTLS transport."""

    __slots__ = ("_connection", "_dtls", "_pair", "_protect", "_remote", "_sendto", "drop")

    def __init__(self, dtls: RTCDtlsTransport) -> None:
        self._dtls = dtls
        self._connection: Any = dtls.transport._connection
        self._pair: Any = None
        self._remote: tuple[str, int] = ("", 0)
        self._sendto: Callable[[bytes, tuple[str, int]], None] | None = None
        self._protect: SrtpCall | None = None
        self.drop: PacketFilter | None = None

    def send(self, packet: bytes) -> bool:
        """Protect and send one RTP packet; False when the connection is not (or no longer) up."""
        dtls = self._dtls
        if dtls._state is not _DtlsState.CONNECTED:
            return False
        pair = self._connection._nominated.get(_COMPONENT_RTP)
        if pair is None:
            return False
        if pair is not self._pair:
            self._follow(pair)
        drop = self.drop
        if drop is not None and not drop(packet):
            return True
        protect = self._protect
        if protect is None or protect.session is not dtls._tx_srtp:
            protect = self._protect = SrtpCall.protect(dtls._tx_srtp)
        data = protect(packet)
        if data is None:
            return False
        sendto = self._sendto
        if sendto is not None:
            sendto(data, self._remote)
        else:
            spawn(pair.protocol.send_data(data, self._remote))
        dtls._RTCDtlsTransport__tx_bytes += len(data)  # type: ignore[attr-defined,unused-ignore]
        dtls._RTCDtlsTransport__tx_packets += 1  # type: ignore[attr-defined,unused-ignore]
        return True

    def _follow(self, pair: Any) -> None:
        """The nominated pair changed (first use, or ICE renominated): look its socket up once."""
        self._pair = pair
        self._remote = pair.remote_addr
        protocol = pair.protocol
        transport = getattr(protocol, "transport", None)
        if type(protocol) is StunProtocol and transport is not None:
            self._sendto = transport.sendto
        else:
            self._sendto = None


def wire_for(dtls: RTCDtlsTransport) -> SrtpWire:
    """The one wire of a DTLS transport (every sender of a bundled peer connection shares it)."""
    wire: SrtpWire | None = getattr(dtls, "_sfu_wire", None)
    if wire is None:
        wire = SrtpWire(dtls)
        dtls._sfu_wire = wire  # type: ignore[attr-defined,unused-ignore]
    return wire
