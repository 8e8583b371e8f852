"""Touch 6: stable payload types and header-extension ids across server-initiated renegotiation.

aiortc's ``createOffer`` re-offers every m-line with its own payload types (Opus 96, VP8 97, RTX 98) and
header-extension ids. Browsers refuse a re-offer that reassigns extension ids, and a changed payload
type makes the SFU drop the publisher's packets. ``setRemoteDescription`` now remembers each
transceiver's negotiated codecs and extensions, and server offers reuse those numbers (new m-lines reuse
the transport's numbers for the same codec/URI). The patches are applied by ``install()``.
"""

from __future__ import annotations

import contextvars
import copy
from typing import Any

from aiortc import RTCPeerConnection
from aiortc import rtcpeerconnection as _pc_module
from aiortc.codecs import is_rtx
from aiortc.rtcrtpparameters import RTCRtpCodecParameters, RTCRtpHeaderExtensionParameters
from aiortc.sdp import SessionDescription

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
