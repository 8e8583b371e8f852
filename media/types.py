"""Ids, close reasons and error codes of the SFU, each in one place.

media/ knows no users or rooms: the signaling layer hands in its own ids (for example a live session id
as the RouterId and a participant id as the TransportId) and gets events back.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Literal, NewType

RouterId = NewType("RouterId", str)
TransportId = NewType("TransportId", str)
ProducerId = NewType("ProducerId", str)
ConsumerId = NewType("ConsumerId", str)

MediaKind = Literal["audio", "video"]


class CloseReason(StrEnum):
    """Why a media object closed; travels with every ``closed`` event."""

    CLOSED = "closed"  # close() was called on the object itself
    ROUTER_CLOSED = "router_closed"
    TRANSPORT_CLOSED = "transport_closed"
    PRODUCER_CLOSED = "producer_closed"
    CONNECTION_FAILED = "connection_failed"  # ICE/DTLS failed or consent expired (peer vanished)
    REMOTE_STOPPED = "remote_stopped"  # the client's new offer no longer sends this track
    WORKER_CLOSED = "worker_closed"


class MediaErrorCode(StrEnum):
    """Stable codes of the ``DomainError``s media/ raises (documented in docs/media.md)."""

    CAPACITY_REACHED = "media_capacity_reached"
    ROUTER_EXISTS = "media_router_exists"
    TRANSPORT_EXISTS = "media_transport_exists"
    CLOSED = "media_closed"
    NEGOTIATION_GLARE = "media_negotiation_glare"
    NO_PENDING_OFFER = "media_no_pending_offer"
    INVALID_SDP = "media_invalid_sdp"
    INVALID_CANDIDATE = "media_invalid_candidate"
