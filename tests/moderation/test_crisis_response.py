"""A held crisis message starts the crisis response: a supportive reply, an urgent alert, a full record.

The alert goes through care's real alert desk (Postgres), so the psychologist sees it exactly as they see
a screening risk alert, and it stays open until acknowledged.
"""

from __future__ import annotations

from typing import Any

from care.people import Language, Person
from moderation.audit import AuditKind, MemoryAuditLog
from moderation.crisis_response import CrisisAlerts, CrisisResponder
from moderation.hook import HookSpec, Reason
from moderation.pipeline import ModerationPipeline
from moderation.registry import BUILTIN_HOOKS, HookRegistry
from moderation.settings import CrisisSettings, SiteModerationSettings, StaticSettings
from rooms.filters import Decision, MessageId, RoomKind

from ..conftest import RunningServer, UserFactory
from .helpers import Inbox, message, room


class Flaky:
    """Care's alert desk behind a connection that drops the first ``failures`` calls."""

    def __init__(self, alerts: CrisisAlerts, failures: int) -> None:
        self._alerts = alerts
        self.failures = failures

    async def raise_alert(self, *args: Any, **kwargs: Any) -> Any:
        if self.failures > 0:
            self.failures -= 1
            raise ConnectionError("database unreachable")
        return await self._alerts.raise_alert(*args, **kwargs)


def build(
    responder: CrisisResponder, audit: MemoryAuditLog, crisis: CrisisSettings | None = None
) -> ModerationPipeline:
    settings = SiteModerationSettings(
        hooks=(HookSpec("crisis"), HookSpec("flooding")), crisis=crisis or CrisisSettings()
    )
    return ModerationPipeline(
        StaticSettings(settings), HookRegistry(BUILTIN_HOOKS), audit, services={"crisis_responder": responder}
    )


async def open_crisis_alerts(server: RunningServer, psychologist: Person, patient_id: int) -> list[Any]:
    alerts = await server.services.care.alert_desk.alerts(psychologist, "open", patient_id)
    return [a for a in alerts if a.kind == "crisis_language"]


async def test_a_portuguese_crisis_message_is_held_answered_and_alerted_to_the_psychologist(
    server: RunningServer, make_user: UserFactory
) -> None:
    patient = await make_user("patient", language="pt", login=False)
    psychologist = await make_user("psychologist", login=False)
    audit, inbox = MemoryAuditLog(), Inbox()
    responder = CrisisResponder(audit, alerts=server.services.care, notifier=inbox)
    pipeline = build(responder, audit, CrisisSettings(country="PT"))
    request = message("Já não aguento. Quero morrer.", who=patient.person, where=room(site_id=patient.person.site_id))

    verdict = await pipeline.check(request)
    assert (verdict.decision, verdict.reason) == (Decision.HOLD, Reason.CRISIS_LANGUAGE)
    await pipeline.after_store(request, verdict, MessageId(9001))

    [(to, _, message_id, reply)] = inbox.replies
    assert (to.id, message_id, reply.language) == (patient.id, 9001, Language.PT)
    assert "808 24 24 24" in reply.text and "1411" in reply.text and "{resources}" not in reply.text
    [alert] = await open_crisis_alerts(server, psychologist.person, patient.id)
    assert (alert.severity.value, alert.source, alert.source_ref) == ("urgent", "moderation", "message:9001")
    assert alert.details["signal"] == "ideation" and "text" not in alert.details
    steps = [e.kind for e in audit.entries]
    for step in (
        AuditKind.AUTOMATIC_DECISION,
        AuditKind.QUEUED,
        AuditKind.CRISIS_REPLY_SENT,
        AuditKind.CRISIS_ALERT_RAISED,
    ):
        assert step in steps
    raised = next(e for e in audit.entries if e.kind == AuditKind.CRISIS_ALERT_RAISED)
    assert raised.details["alert_id"] == alert.id


async def test_the_reply_uses_the_template_the_sites_clinicians_wrote(
    server: RunningServer, make_user: UserFactory
) -> None:
    patient = await make_user("patient", language="ca", login=False)
    audit, inbox = MemoryAuditLog(), Inbox()
    crisis = CrisisSettings.from_mapping(
        {"country": "ES", "replies": {"ca": "Som aquí amb tu. La Marta et trucarà avui.\n{resources}"}}
    )
    pipeline = build(CrisisResponder(audit, alerts=server.services.care, notifier=inbox), audit, crisis)
    request = message("em vull morir", who=patient.person, where=room(site_id=patient.person.site_id))
    await pipeline.after_store(request, await pipeline.check(request), MessageId(9002))
    [(_, _, _, reply)] = inbox.replies
    assert reply.text.startswith("Som aquí amb tu") and "024" in reply.text
    sent = next(e for e in audit.entries if e.kind == AuditKind.CRISIS_REPLY_SENT)
    assert sent.details["template"] == "site"


async def test_an_alert_that_cannot_be_raised_is_retried_until_it_is_and_every_attempt_is_recorded(
    server: RunningServer, make_user: UserFactory
) -> None:
    patient = await make_user("patient", language="es", login=False)
    psychologist = await make_user("psychologist", login=False)
    audit = MemoryAuditLog()
    flaky = Flaky(server.services.care, failures=2)
    responder = CrisisResponder(audit, alerts=flaky, notifier=Inbox(), retry_delays=(0.01, 0.01, 0.01))
    pipeline = build(responder, audit)
    request = message("me voy a matar", who=patient.person, where=room(site_id=patient.person.site_id))
    await pipeline.after_store(request, await pipeline.check(request), MessageId(9003))
    await responder.wait_for_retries()
    assert len(await open_crisis_alerts(server, psychologist.person, patient.id)) == 1
    failed = [e for e in audit.entries if e.kind == AuditKind.CRISIS_ALERT_FAILED]
    assert [(e.details["attempt"], e.reason) for e in failed] == [(1, "ConnectionError"), (2, "ConnectionError")]
    [raised] = [e for e in audit.entries if e.kind == AuditKind.CRISIS_ALERT_RAISED]
    assert raised.details["attempt"] == 3


async def test_a_crisis_message_in_a_direct_room_is_delivered_but_still_alerts(
    server: RunningServer, make_user: UserFactory
) -> None:
    patient = await make_user("patient", language="pl", login=False)
    psychologist = await make_user("psychologist", login=False)
    audit, inbox = MemoryAuditLog(), Inbox()
    pipeline = build(CrisisResponder(audit, alerts=server.services.care, notifier=inbox), audit)
    request = message("chcę umrzeć", who=patient.person, where=room(RoomKind.DIRECT, site_id=patient.person.site_id))
    verdict = await pipeline.check(request)
    assert verdict.decision is Decision.FLAG
    await pipeline.after_store(request, verdict, MessageId(9004))
    assert len(inbox.replies) == 1
    assert len(await open_crisis_alerts(server, psychologist.person, patient.id)) == 1


async def test_a_mere_mention_of_suicide_neither_answers_the_author_nor_alerts(
    server: RunningServer, make_user: UserFactory
) -> None:
    patient = await make_user("patient", login=False)
    psychologist = await make_user("psychologist", login=False)
    audit, inbox = MemoryAuditLog(), Inbox()
    pipeline = build(CrisisResponder(audit, alerts=server.services.care, notifier=inbox), audit)
    request = message("a film about suicide upset me", who=patient.person, where=room(site_id=patient.person.site_id))
    verdict = await pipeline.check(request)
    await pipeline.after_store(request, verdict, MessageId(9005))
    assert verdict.decision is Decision.FLAG and inbox.replies == []
    assert await open_crisis_alerts(server, psychologist.person, patient.id) == []
