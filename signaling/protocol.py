"""The wire of the "/live" namespace: event names, payload reading, socket rooms and ICE candidates.

Every payload is a JSON object; a missing or mistyped field is a ``bad_request`` naming the field, never a
crash. docs/signaling.md describes each event.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any, Protocol, TypeVar, cast

from care.errors import N_, DomainError, ErrorCode
from care.people import Person, UserId
from rooms.live_model import MEDIA_KINDS, LiveSessionId, MediaKind

NAMESPACE = "/live"
MAX_SDP_CHARS = 64 * 1024
MAX_CANDIDATE_CHARS = 1024

T = TypeVar("T")


class ServerEvent(StrEnum):
    """Events the server emits on "/live"."""

    ADMITTED = "admitted"  # you left the waiting room: send your offer now
    OFFER = "offer"  # renegotiation: answer with the `answer` event
    ICE_CANDIDATE = "ice_candidate"  # a server candidate (also in the SDP), then one with candidate null
    PARTICIPANTS = "participants"  # the participant list changed
    MEDIA_CONTROL = "media_control"  # a host muted you, turned your camera off, or asks you to unmute
    ACTIVE_SPEAKER = "active_speaker"
    LEFT = "left"  # you are out of the session (removed, ended, connection failed, joined elsewhere)


class Caller(Protocol):
    """Who sent an event: the socket and the authenticated person (server's Connection fits)."""

    @property
    def sid(self) -> str: ...

    @property
    def person(self) -> Person: ...


def session_room(session_id: LiveSessionId) -> str:
    """Admitted patients of a session (hosts are in `hosts_room`)."""
    return f"live:{session_id}:patients"


def hosts_room(session_id: LiveSessionId) -> str:
    return f"live:{session_id}:hosts"


def _bad(name: str, expected: str) -> DomainError:
    return DomainError(ErrorCode.BAD_REQUEST, N_("The field '{field}' is missing or has the wrong type."),
                       params={"field": name}, details={"field": name, "expected": expected})


def payload(data: Any) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise DomainError(ErrorCode.BAD_REQUEST, N_("Send a JSON object."))
    return data


def read(data: dict[str, Any], name: str, kind: type[T]) -> T:
    value = data.get(name)
    if kind is int and isinstance(value, bool):
        raise _bad(name, "int")
    if not isinstance(value, kind):
        raise _bad(name, kind.__name__)
    return value


def session_id(data: dict[str, Any]) -> LiveSessionId:
    return LiveSessionId(read(data, "session", int))


def user_id(data: dict[str, Any]) -> UserId:
    return UserId(read(data, "user_id", int))


def media_kind(data: dict[str, Any]) -> MediaKind:
    kind = data.get("kind")
    if kind not in MEDIA_KINDS:
        raise _bad("kind", "audio | video")
    return cast(MediaKind, kind)


def sdp(data: dict[str, Any]) -> str:
    text = read(data, "sdp", str)
    if not text or len(text) > MAX_SDP_CHARS:
        raise _bad("sdp", f"a session description of at most {MAX_SDP_CHARS} characters")
    return text


def candidates_of(description: str) -> list[dict[str, Any]]:
    """The ICE candidates in a session description, as trickle events would carry them."""
    found: list[dict[str, Any]] = []
    index = -1
    mid: str | None = None
    for line in description.splitlines():
        if line.startswith("m="):
            index += 1
            mid = None
        elif line.startswith("a=mid:"):
            mid = line[len("a=mid:"):].strip()
        elif line.startswith("a=candidate:") and index >= 0:
            found.append({"candidate": line[2:].strip(), "sdp_mid": mid, "sdp_mline_index": index})
    # With BUNDLE every m-line carries the same candidates: the first m-line's are enough.
    first = [c for c in found if c["sdp_mline_index"] == 0]
    return first or found


def ice_servers_for_clients(urls: tuple[str, ...]) -> list[dict[str, Any]]:
    """``turn:user:secret@host:3478?transport=udp`` becomes a browser RTCIceServer dict."""
    servers: list[dict[str, Any]] = []
    for raw in urls:
        scheme, _, rest = raw.partition(":")
        if scheme not in ("stun", "stuns", "turn", "turns") or not rest:
            continue
        server: dict[str, Any] = {"urls": [raw]}
        if "@" in rest:
            credentials, _, host = rest.rpartition("@")
            username, _, credential = credentials.partition(":")
            server = {"urls": [f"{scheme}:{host}"], "username": username, "credential": credential}
        servers.append(server)
    return servers
