"""SFU settings. server/config.py reads the environment and builds one ``MediaConfig`` per process."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class IceServer:
    """A STUN or TURN server, handed both to the server's peer connections and to clients."""

    urls: tuple[str, ...]
    username: str | None = None
    credential: str | None = None

    def for_client(self) -> dict[str, object]:
        """The browser's ``RTCIceServer`` dictionary, for signaling to hand to clients."""
        entry: dict[str, object] = {"urls": list(self.urls)}
        if self.username is not None:
            entry["username"] = self.username
        if self.credential is not None:
            entry["credential"] = self.credential
        return entry


@dataclass(frozen=True)
class MediaConfig:
    # Empty by default: aiortc's default public STUN host is unreachable from hospital networks.
    ice_servers: tuple[IceServer, ...] = ()
    # Host addresses ICE binds to; empty means every interface except loopback (aioice's rule).
    bind_addresses: tuple[str, ...] = ()
    # Inclusive UDP port range for host candidates (firewall rules); None: ephemeral ports.
    udp_port_range: tuple[int, int] | None = None
    # A vanished client is noticed after about interval * failures seconds (RFC 7675 consent).
    consent_interval_s: float = 5.0
    consent_failures: int = 6
    max_routers: int = 20
    max_transports: int = 100
    max_transports_per_router: int = 13
    keyframe_request_interval_s: float = 0.5
    # How long an incomplete video frame may wait for a retransmission before the SFU gives up on
    # it, drops until the next keyframe and asks the publisher for one.
    frame_gap_timeout_s: float = 0.25
    active_speaker_interval_s: float = 0.3
    # RFC 6464 level in -dBov (0 loudest, 127 silence): quieter than this never counts as speaking.
    active_speaker_threshold_dbov: int = 70
    extra: dict[str, str] = field(default_factory=dict)
