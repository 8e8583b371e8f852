"""Touch 4: ICE bind addresses, consent freshness and the UDP port range of host candidates.

They are module globals of aioice (no per-connection options): the host addresses it binds to, its
consent-freshness timing (how fast a vanished peer is noticed) and, through a stand-in for its
``asyncio`` module, the port range of host candidates.
"""

from __future__ import annotations

import asyncio
from typing import Any

import aioice.ice

_original_get_host_addresses = aioice.ice.get_host_addresses


def configure_ice(
    *,
    bind_addresses: tuple[str, ...],
    consent_interval: float,
    consent_failures: int,
    udp_port_range: tuple[int, int] | None = None,
) -> None:
    """Process-wide ICE settings: aioice has no per-connection options for these.

    ``bind_addresses`` empty means every interface (aioice's default, loopback excluded).
    A vanished peer is noticed after about ``consent_interval * consent_failures`` seconds.
    ``udp_port_range`` (inclusive) limits the ports of host candidates; None means ephemeral ports.
    """
    if bind_addresses:
        chosen = list(bind_addresses)

        def get_host_addresses(use_ipv4: bool, use_ipv6: bool) -> list[str]:
            return [a for a in chosen if (":" in a and use_ipv6) or (":" not in a and use_ipv4)]

        aioice.ice.get_host_addresses = get_host_addresses
    else:
        aioice.ice.get_host_addresses = _original_get_host_addresses
    aioice.ice.CONSENT_INTERVAL = consent_interval  # type: ignore[assignment,unused-ignore]
    aioice.ice.CONSENT_FAILURES = consent_failures
    aioice.ice.asyncio = _AsyncioWithPortRange(udp_port_range) if udp_port_range else asyncio  # type: ignore[assignment,unused-ignore]


class _LoopWithPortRange:
    """Delegates to the running loop; binds aioice's host candidates (local port 0) inside a range."""

    _next_offset = 0

    def __init__(self, loop: asyncio.AbstractEventLoop, ports: tuple[int, int]) -> None:
        self._loop = loop
        self._ports = ports

    def __getattr__(self, name: str) -> Any:
        return getattr(self._loop, name)

    async def create_datagram_endpoint(self, factory: Any, local_addr: Any = None, **kwargs: Any) -> Any:
        if local_addr is None or local_addr[1] != 0:
            return await self._loop.create_datagram_endpoint(factory, local_addr=local_addr, **kwargs)
        first, last = self._ports
        size = last - first + 1
        for attempt in range(size):
            port = first + (_LoopWithPortRange._next_offset + attempt) % size
            try:
                result = await self._loop.create_datagram_endpoint(
                    factory, local_addr=(local_addr[0], port), **kwargs)
            except OSError:
                continue
            _LoopWithPortRange._next_offset = (port - first + 1) % size
            return result
        raise OSError(f"no free UDP port in {first}-{last}")


class _AsyncioWithPortRange:
    """Stands in for the ``asyncio`` module inside aioice.ice: only ``get_running_loop`` differs."""

    def __init__(self, ports: tuple[int, int]) -> None:
        self._ports = ports

    def __getattr__(self, name: str) -> Any:
        return getattr(asyncio, name)

    def get_running_loop(self) -> _LoopWithPortRange:
        return _LoopWithPortRange(asyncio.get_running_loop(), self._ports)
