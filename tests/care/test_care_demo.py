"""The demo programme gives every demo patient a step and a screening to look at."""

from __future__ import annotations

from typing import TYPE_CHECKING

from care.people import Step
from server.demo import DEMO_USERS, seed_demo

if TYPE_CHECKING:
    from tests.conftest import RunningServer


async def test_demo_patients_have_their_steps_and_laia_has_a_proposal_and_an_alert_to_act_on(
    server: RunningServer,
) -> None:
    await seed_demo(server.services)
    programme = await seed_demo(server.services)  # seeding twice changes nothing
    care = server.services.care
    for user in DEMO_USERS:
        if user.step is not None:
            assert await care.current_step(programme.people[user.username].id) == Step(user.step), user.username
    psychologist = programme.people["psy.marta"]
    laia = programme.people["patient.laia"]
    proposals = [p for p in await care.proposals(psychologist) if p["patient_id"] == laia.id]
    assert [(p["from_step"], p["to_step"]) for p in proposals] == [(3, 4)]
    alerts = [a for a in await care.alert_desk.alerts(psychologist, "open") if a.patient_id == laia.id]
    assert [a.kind for a in alerts] == ["self_harm_thoughts"]
    assert len((await care.my_results(laia))["results"]) == 2
