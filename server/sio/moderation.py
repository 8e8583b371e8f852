"""Socket.IO events of moderation on namespace "/", and the wiring of moderation into rooms.

Handlers only validate payloads and call moderation (`ModerationService` tools, `ModerationDesk`);
moderation decides who may do what. Events and their payloads are documented in docs/protocol.md,
section "Moderation".
"""

from __future__ import annotations

from typing import Any

import asyncpg
import socketio
from redis.asyncio import Redis

from care.errors import N_, DomainError, ErrorCode
from care.service import CareService
from moderation.assembly import Moderation, assemble
from rooms.service import RoomsService
from server.config import Config
from server.services import Services
from server.sio.connections import Ack, Connection, LiveConnections, site_staff_room, user_room

_MAX_ID = 2**62


def build_moderation(
    config: Config,
    pool: asyncpg.Pool,
    sio: socketio.AsyncServer,
    redis: Redis | None,
    rooms: RoomsService,
    care: CareService,
) -> Moderation | None:
    """ONCOMMUN_MODERATION=on: the pipeline screens chat and bans and mutes apply; off: nothing is screened."""
    if config.moderation != "on":
        return None
    moderation = assemble(
        pool, sio, rooms, care, user_room=user_room, staff_room=site_staff_room, redis=redis,
        redis_prefix=config.redis_prefix, settings_file=config.moderation_settings_file,
    )  # fmt: skip
    rooms.use_content_filter(moderation.pipeline)
    rooms.use_membership_policy(moderation.policy)
    return moderation


def _payload(data: Any) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise DomainError(ErrorCode.BAD_REQUEST, N_("The event needs an object as its payload."))
    return data


def _id(data: dict[str, Any], name: str, *, required: bool = True) -> int | None:
    value = data.get(name)
    if value is None and not required:
        return None
    if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= _MAX_ID:
        raise DomainError(
            ErrorCode.BAD_REQUEST, N_("The field '{field}' is missing or invalid."), params={"field": name},
            details={"field": name},
        )  # fmt: skip
    return value


def _req(data: dict[str, Any], name: str) -> int:
    value = _id(data, name)
    assert value is not None
    return value


def _reason(data: dict[str, Any]) -> str:
    reason = data.get("reason", "")
    return reason if isinstance(reason, str) else ""


def register_moderation_events(services: Services) -> None:
    moderation = services.moderation
    if moderation is None:
        return
    live: LiveConnections = services.live_connections
    tools, desk = moderation.tools, moderation.desk

    async def hide(c: Connection, data: Any) -> Ack:
        body = _payload(data)
        return await tools.hide(c.person, _req(body, "message"), _reason(body))

    async def unhide(c: Connection, data: Any) -> Ack:
        return await tools.unhide(c.person, _req(_payload(data), "message"))

    async def approve(c: Connection, data: Any) -> Ack:
        return await tools.approve(c.person, _req(_payload(data), "message"))

    async def reject(c: Connection, data: Any) -> Ack:
        body = _payload(data)
        return await tools.reject(c.person, _req(body, "message"), _reason(body))

    async def delete(c: Connection, data: Any) -> Ack:
        body = _payload(data)
        return await tools.delete(c.person, _req(body, "message"), _reason(body))

    async def pin(c: Connection, data: Any) -> Ack:
        body = _payload(data)
        return await tools.pin(c.person, _req(body, "message"), body.get("on", True) is not False)

    async def mute(c: Connection, data: Any) -> Ack:
        body = _payload(data)
        return await tools.mute(c.person, _req(body, "room"), _req(body, "user"), body.get("minutes"))

    async def unmute(c: Connection, data: Any) -> Ack:
        body = _payload(data)
        return await tools.unmute(c.person, _req(body, "room"), _req(body, "user"))

    async def slow_mode(c: Connection, data: Any) -> Ack:
        body = _payload(data)
        return await tools.set_slow_mode(c.person, _req(body, "room"), body.get("seconds"))

    async def remove(c: Connection, data: Any) -> Ack:
        body = _payload(data)
        return await tools.remove(c.person, _req(body, "room"), _req(body, "user"), body.get("minutes", 60))

    async def ban(c: Connection, data: Any) -> Ack:
        body = _payload(data)
        return await tools.ban(c.person, _req(body, "user"), _id(body, "room", required=False), body.get("days"))

    async def unban(c: Connection, data: Any) -> Ack:
        body = _payload(data)
        return await tools.unban(c.person, _req(body, "user"), _id(body, "room", required=False))

    async def escalate(c: Connection, data: Any) -> Ack:
        body = _payload(data)
        return await desk.escalate(c.person, _req(body, "message"), body.get("note"))

    async def assign(c: Connection, data: Any) -> Ack:
        body = _payload(data)
        return await desk.assign_mentor(
            c.person, _req(body, "room"), _req(body, "user"), body.get("on", True) is not False
        )

    async def report(c: Connection, data: Any) -> Ack:
        body = _payload(data)
        return await desk.report(c.person, _req(body, "message"), body.get("reason"), body.get("note"))

    async def queue(c: Connection, data: Any) -> Ack:
        body = _payload(data)
        return await desk.queue(
            c.person, _id(body, "room", required=False), body.get("status", "open"), body.get("before"),
            body.get("limit", 50),
        )  # fmt: skip

    async def resolve(c: Connection, data: Any) -> Ack:
        body = _payload(data)
        return await desk.resolve(c.person, _req(body, "item"), body.get("resolution"))

    async def audit(c: Connection, data: Any) -> Ack:
        body = _payload(data)
        return await desk.audit(c.person, body.get("before"), body.get("limit", 100), _id(body, "room", required=False))

    handlers = {
        "mod_hide": hide, "mod_unhide": unhide, "mod_approve": approve, "mod_reject": reject, "mod_delete": delete,
        "mod_pin": pin, "mod_mute": mute, "mod_unmute": unmute, "mod_slow_mode": slow_mode, "mod_remove": remove,
        "mod_ban": ban, "mod_unban": unban, "mod_escalate": escalate, "mod_assign": assign, "report": report,
        "mod_queue": queue, "mod_resolve": resolve, "mod_audit": audit,
    }  # fmt: skip
    sio = services.sio
    for event, handler in handlers.items():
        sio.on(event, live.guarded(event, handler))
