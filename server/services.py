"""The services one Oncommun process runs, built once by `create_app` and shared by every handler."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import asyncpg
import socketio
from aiohttp import web
from redis.asyncio import Redis

from care.service import CareService
from rooms.service import RoomsService
from server.accounts import AccountService
from server.config import Config
from server.i18n import Catalogs
from server.store import AccountStore

if TYPE_CHECKING:
    from moderation.assembly import Moderation
    from server.sio.connections import LiveConnections
    from server.sio.live import LiveVideo


@dataclass(slots=True)
class Services:
    config: Config
    pool: asyncpg.Pool
    redis: Redis | None
    i18n: Catalogs
    sio: socketio.AsyncServer
    account_store: AccountStore
    accounts: AccountService
    live_connections: LiveConnections
    care: CareService
    rooms: RoomsService
    live_video: LiveVideo
    moderation: Moderation | None = None  # None: ONCOMMUN_MODERATION=off


SERVICES = web.AppKey("services", Services)
