"""The process-level SFU: holds the routers of this process and enforces its capacity limits."""

from __future__ import annotations

import structlog

from care.errors import N_, DomainError
from media import aiortc_internals as internals
from media.config import MediaConfig
from media.router import Router, _capacity
from media.timing import DelayHistogram
from media.types import CloseReason, MediaErrorCode, RouterId

log = structlog.get_logger(__name__)


class MediaWorker:
    """One per process. ``create_router`` per live session; ``close`` on shutdown.

    Limits: ``max_routers`` sessions and ``max_transports`` participants in this process, and
    ``max_transports_per_router`` per session; beyond them ``DomainError('media_capacity_reached')``.
    """

    def __init__(self, config: MediaConfig | None = None) -> None:
        self.config = config or MediaConfig()
        internals.install()
        internals.configure_ice(
            bind_addresses=self.config.bind_addresses,
            consent_interval=self.config.consent_interval_s,
            consent_failures=self.config.consent_failures,
            udp_port_range=self.config.udp_port_range,
        )
        self._routers: dict[RouterId, Router] = {}
        self._closed_routers: list[Router] = []
        self._transports = 0
        # Every producer of this process records how long its fan-out of one packet took.
        self.forwarding_delays = DelayHistogram()

    @property
    def routers(self) -> list[Router]:
        return list(self._routers.values())

    @property
    def transport_count(self) -> int:
        return self._transports

    def get_router(self, router_id: RouterId) -> Router | None:
        return self._routers.get(router_id)

    def create_router(self, router_id: RouterId) -> Router:
        if router_id in self._routers:
            raise DomainError(MediaErrorCode.ROUTER_EXISTS, N_("This media session already exists."), status=409)
        if len(self._routers) >= self.config.max_routers:
            raise _capacity(self.config.max_routers, "sessions")
        router = Router(router_id, self, self.config)
        self._routers[router_id] = router
        return router

    async def close(self) -> None:
        """Close every router and wait for every peer connection to be gone."""
        for router in list(self._routers.values()):
            router.close(CloseReason.WORKER_CLOSED)
        for router in self._closed_routers:
            await router.wait_closed()
        self._closed_routers.clear()

    def _check_transport_capacity(self) -> None:
        if self._transports >= self.config.max_transports:
            raise _capacity(self.config.max_transports, "participants")
        self._transports += 1

    def _transport_released(self) -> None:
        self._transports -= 1

    def _router_closed(self, router: Router) -> None:
        if self._routers.pop(router.id, None) is not None:
            self._closed_routers.append(router)
