"""The SFU: forwards RTP between participants of a live session without decoding or re-encoding.

Vocabulary (mediasoup's): a ``MediaWorker`` per process holds a ``Router`` per live session; a Router
holds a ``Transport`` per participant (one RTCPeerConnection); a Transport's ``Producer``s are the
tracks the participant publishes and its ``Consumer``s the copies of other participants' producers it
receives. media/ knows no users or rooms: ids in, events out. See docs/media.md.
"""

from media.config import IceServer, MediaConfig
from media.consumer import Consumer
from media.producer import Producer
from media.router import ActiveSpeaker, Router
from media.transport import Transport
from media.types import (
    CloseReason,
    ConsumerId,
    MediaErrorCode,
    MediaKind,
    ProducerId,
    RouterId,
    TransportId,
)
from media.worker import MediaWorker

__all__ = [
    "ActiveSpeaker",
    "CloseReason",
    "Consumer",
    "ConsumerId",
    "IceServer",
    "MediaConfig",
    "MediaErrorCode",
    "MediaKind",
    "MediaWorker",
    "Producer",
    "ProducerId",
    "Router",
    "RouterId",
    "Transport",
    "TransportId",
]
