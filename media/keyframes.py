"""Recognising the first packet of a keyframe from the RTP payload, without depayloading frames.

The SFU waits for a keyframe after a loss and for every new subscriber; it only needs to peek at the
first bytes of a packet.
"""

from __future__ import annotations

from collections.abc import Callable

KeyframeProbe = Callable[[bytes], bool]


def vp8_keyframe_start(payload: bytes) -> bool:
    """RFC 7741: S=1, partition 0, and the VP8 frame header's inverse key frame bit clear."""
    size = len(payload)
    if size < 1:
        return False
    first = payload[0]
    if not first & 0x10 or first & 0x07:
        return False
    pos = 1
    if first & 0x80:
        if size < 2:
            return False
        ext = payload[1]
        pos = 2
        if ext & 0x80:  # I: picture id, 7 or 15 bits
            if size <= pos:
                return False
            pos += 2 if payload[pos] & 0x80 else 1
        if ext & 0x40:  # L: TL0PICIDX
            pos += 1
        if ext & 0x30:  # T or K
            pos += 1
    return size > pos and not payload[pos] & 0x01


_H264_KEY_NALS = frozenset({5, 7})  # IDR slice, SPS


def h264_keyframe_start(payload: bytes) -> bool:
    """RFC 6184: a single NAL, a STAP-A or the first FU-A fragment carrying an SPS or an IDR slice."""
    if not payload:
        return False
    nal = payload[0] & 0x1F
    if nal in _H264_KEY_NALS:
        return True
    if nal == 24:  # STAP-A
        pos = 1
        while pos + 2 < len(payload):
            length = (payload[pos] << 8) | payload[pos + 1]
            if payload[pos + 2] & 0x1F in _H264_KEY_NALS:
                return True
            pos += 2 + length
        return False
    if nal == 28 and len(payload) > 1:  # FU-A
        return bool(payload[1] & 0x80) and payload[1] & 0x1F in _H264_KEY_NALS
    return False


def probe_for(mime_type: str) -> KeyframeProbe | None:
    """The keyframe probe for a video codec; None for audio (every packet stands alone)."""
    name = mime_type.lower()
    if name == "video/vp8":
        return vp8_keyframe_start
    if name == "video/h264":
        return h264_keyframe_start
    return None
