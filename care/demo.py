"""Demo screening history for the newcomer's programme (called by server.demo).

Every demo patient gets a step and a plausible first screening, so the psychologist's screens are not
empty: one patient (step 3) has a fresh PHQ-9 that proposes step 4 and raises the item-9 alert, ready to
act on. Idempotent: submissions carry fixed client ids and steps are only set when they differ.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from care.people import Person, Role, Step
from care.service import CareService, TransitionKind


def _phq9(*values: int) -> dict[str, Any]:
    return {"instrument": "phq9", "answers": {f"phq9-{n}": v for n, v in enumerate(values, start=1)}}


def _hads(letters: str) -> dict[str, Any]:
    return {"instrument": "hads", "answers": {f"hads-{n}": c for n, c in enumerate(letters, start=1)}}


def _dt(value: int) -> dict[str, Any]:
    return {"instrument": "dt", "answers": {"dt": value}}


# username -> (step, screenings in order, profile)
DEMO_HISTORY: dict[str, tuple[int, list[dict[str, Any]], dict[str, Any]]] = {
    "patient.anna": (1, [_dt(2), _phq9(1, 0, 1, 1, 0, 0, 0, 0, 0)], {"diagnosis": "breast", "birth_year": 1968}),
    "patient.pau": (2, [_dt(3), _phq9(1, 1, 1, 1, 1, 1, 0, 0, 0)], {"diagnosis": "colorectal", "birth_year": 1959}),
    "patient.ines": (3, [_dt(5), _hads("bbbbbcbcbccada")], {"diagnosis": "breast", "birth_year": 1979}),
    "patient.jordi": (4, [_dt(7), _phq9(2, 2, 2, 2, 2, 2, 2, 2, 0)], {"diagnosis": "lung", "birth_year": 1955}),
    "patient.ewa": (4, [_dt(6), _hads("ddddddddddaddd")], {"diagnosis": "haematological", "birth_year": 1986}),
    # Laia answers last, after her step is set: her PHQ-9 proposes step 4 and raises the item-9 alert.
    "patient.laia": (3, [_dt(6), _phq9(2, 2, 2, 2, 2, 2, 2, 1, 1)], {"diagnosis": "breast", "birth_year": 1981}),
    "mentor.joan": (3, [], {"diagnosis": "colorectal", "birth_year": 1962, "mentor_capacity": 3}),
    "mentor.rita": (3, [], {"diagnosis": "breast", "birth_year": 1974, "mentor_capacity": 2}),
}


async def seed_care_demo(care: CareService, people: Mapping[str, Person]) -> None:
    staff = next((p for p in people.values() if p.has(Role.PSYCHOLOGIST)), None)
    for username, (step, screenings, profile) in DEMO_HISTORY.items():
        person = people.get(username)
        if person is None:
            continue
        if await care.current_step(person.id) != Step(step):
            await care.set_step(
                person.id, Step(step), decided_by=None, reason="demo programme", kind=TransitionKind.SEED
            )
        for n, body in enumerate(screenings):
            await care.submit(person, {**body, "client_id": f"demo-{username}-{n}"})
        if staff is not None:
            await care.update_profile(staff, person.id, {**profile, "treatment_phase": "post_treatment"})
