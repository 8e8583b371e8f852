"""STUN and TURN servers come from ONCOMMUN_ICE_SERVERS: clients get all of them on join, the server's own
peer connections use only the STUN ones, and nothing falls back to aiortc's public STUN host."""

from __future__ import annotations

import aiohttp
import pytest

from media import IceServer, RouterId
from media import aiortc_internals as internals
from server.config import Config, ConfigError
from server.sio.live import media_config
from signaling.protocol import candidates_of, ice_servers_for_clients
from tests.conftest import ServerFactory, UserFactory
from tests.signaling.group import FAST_ICE, ClientFactory, make_group

pytest_plugins = ["tests.signaling.fixtures"]

TURN = "turn:alice:s3cret@turn.example.org:3478?transport=udp"


def test_turn_credentials_become_a_browser_ice_server_and_stun_urls_pass_through() -> None:
    assert ice_servers_for_clients(("stun:stun.example.org:3478", TURN, "https://nonsense")) == [
        {"urls": ["stun:stun.example.org:3478"]},
        {"urls": ["turn:turn.example.org:3478?transport=udp"], "username": "alice", "credential": "s3cret"},
    ]


def test_the_server_uses_only_the_stun_servers_and_none_by_default() -> None:
    config = Config.from_env({"ONCOMMUN_ICE_SERVERS": f"stun:stun.example.org:3478,{TURN}",
                              "ONCOMMUN_MEDIA_BIND_ADDRESSES": "10.0.0.5",
                              "ONCOMMUN_MEDIA_MAX_PARTICIPANTS_PER_SESSION": "7"})
    media = media_config(config)
    assert media.ice_servers == (IceServer(urls=("stun:stun.example.org:3478",)),)
    assert media.bind_addresses == ("10.0.0.5",)
    assert media.max_transports_per_router == 7
    assert media_config(Config()).ice_servers == ()


def test_server_candidates_are_read_from_the_first_bundled_m_line() -> None:
    host = "a=candidate:1 1 udp 2130706431 10.0.0.5 40000 typ host"
    sdp = "\r\n".join(["v=0", "m=video 9 UDP/TLS/RTP/SAVPF 96", "a=mid:0", host,
                        "m=audio 9 UDP/TLS/RTP/SAVPF 111", "a=mid:1", host, ""])
    assert candidates_of(sdp) == [{"candidate": host[2:], "sdp_mid": "0", "sdp_mline_index": 0}]


async def test_clients_receive_the_configured_ice_servers_when_they_join(
    server_factory: ServerFactory, http: aiohttp.ClientSession, make_user: UserFactory, live_client: ClientFactory
) -> None:
    configured = await server_factory(ice_servers=(TURN,), **FAST_ICE)
    group = await make_group(configured, http, make_user)
    host = await live_client(group.psychologist, server=configured)
    await host.call("open", {"session": group.session_id})
    ack = await host.join(group.session_id)
    assert ack["ice_servers"] == [
        {"urls": ["turn:turn.example.org:3478?transport=udp"], "username": "alice", "credential": "s3cret"}]


async def test_the_servers_candidates_use_the_configured_udp_port_range(
    server_factory: ServerFactory, http: aiohttp.ClientSession, make_user: UserFactory, live_client: ClientFactory
) -> None:
    """For firewall rules: ONCOMMUN_MEDIA_UDP_PORT_RANGE. Process-wide (aioice), so it is put back after."""
    ranged = await server_factory(media_udp_port_range=(41000, 41199), **FAST_ICE)
    try:
        group = await make_group(ranged, http, make_user)
        host = await live_client(group.psychologist, server=ranged)
        await host.call("open", {"session": group.session_id})
        await host.join(group.session_id)
        router = ranged.services.live_video.worker.get_router(RouterId(f"live-{group.session_id}"))
        assert router is not None
        answer = str(router.transports[0].peer_connection.localDescription.sdp)
        ports = [int(c["candidate"].split()[5]) for c in candidates_of(answer)]
        assert ports and all(41000 <= port <= 41199 for port in ports), ports
    finally:
        internals.configure_ice(bind_addresses=(), consent_interval=0.5, consent_failures=3)


def test_a_port_range_must_be_first_and_last() -> None:
    with pytest.raises(ConfigError):
        media_config(Config(media_udp_port_range=(41000,)))
    assert media_config(Config.from_env({"ONCOMMUN_MEDIA_UDP_PORT_RANGE": "40000,40099"})).udp_port_range == \
        (40000, 40099)
