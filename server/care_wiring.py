"""The care service wired into the server: built from the configuration, its events pushed over Socket.IO,
and its alert-escalation loop run alongside the app.

Care never imports server; this is where the two meet, and `create_app` is its only caller.
"""

from __future__ import annotations

import asyncio
import contextlib
from pathlib import Path

import asyncpg
import socketio

from care.alerts import Alert
from care.people import Step, UserId
from care.service import CareService, CareSettings
from server.config import Config
from server.services import Services
from server.sio.connections import site_staff_room, user_room


def build_care_service(config: Config, pool: asyncpg.Pool, sio: socketio.AsyncServer) -> CareService:
    care = CareService(
        pool,
        CareSettings(
            interval_months=config.screening_interval_months,
            escalation_seconds=config.alert_escalation_seconds,
            battery=config.screening_battery,
            initial_step=Step(config.care_initial_step),
            instruments_dir=Path(config.care_instruments_dir) if config.care_instruments_dir else None,
        ),
    )

    async def push_alert(alert: Alert) -> None:
        # On-call contacts are staff of the site, so the site's staff room reaches them too; the payload
        # says who the alert escalated to.
        await sio.emit("care:alert", alert.to_json(), room=site_staff_room(alert.site_id))

    async def push_step(user_id: UserId, old: Step, new: Step) -> None:
        await sio.emit(
            "care:step_changed",
            {"user_id": int(user_id), "from_step": int(old), "to_step": int(new)},
            room=user_room(user_id),
        )

    care.on_alert(push_alert)
    care.on_step_changed(push_step)
    return care


def start_background(services: Services) -> asyncio.Task[None]:
    return asyncio.create_task(
        services.care.alert_desk.run_escalations(services.config.alert_escalation_check_seconds),
        name="care-alert-escalations",
    )


async def stop_background(task: asyncio.Task[None]) -> None:
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
