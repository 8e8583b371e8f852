"""A demo programme a newcomer can log in to: one hospital site, its staff, mentors and patients.

Seeding is idempotent: running it again on the same database changes nothing and prints the same logins.
Each area adds its own demo data below (care: steps and screenings; rooms: a room for each step).
"""

from __future__ import annotations

from dataclasses import dataclass

import structlog

from care.demo import seed_care_demo
from care.errors import DomainError
from care.people import Person
from rooms.demo import seed_demo_rooms
from rooms.live_demo import seed_demo_live_session
from server.services import Services

log = structlog.get_logger(__name__)

DEMO_PASSWORD = "oncommun-demo"  # noqa: S105 - printed to the newcomer on purpose; demo data only


@dataclass(frozen=True, slots=True)
class DemoUser:
    username: str
    display_name: str
    roles: tuple[str, ...]
    language: str
    step: int | None  # the care step of a patient


DEMO_USERS: tuple[DemoUser, ...] = (
    DemoUser("admin", "Site administrator", ("admin",), "ca", None),
    DemoUser("psy.marta", "Marta (psychologist)", ("psychologist",), "ca", None),
    DemoUser("mentor.joan", "Joan (mentor)", ("mentor", "patient"), "ca", 3),
    DemoUser("mentor.rita", "Rita (mentor)", ("mentor", "patient"), "pt", 3),
    DemoUser("patient.anna", "Anna", ("patient",), "ca", 1),
    DemoUser("patient.pau", "Pau", ("patient",), "es", 2),
    DemoUser("patient.laia", "Laia", ("patient",), "en", 3),
    DemoUser("patient.ines", "Inês", ("patient",), "pt", 3),
    DemoUser("patient.jordi", "Jordi", ("patient",), "ca", 4),
    DemoUser("patient.ewa", "Ewa", ("patient",), "pl", 4),
)


@dataclass(frozen=True, slots=True)
class DemoProgramme:
    site_id: int
    people: dict[str, Person]


async def seed_demo(services: Services) -> DemoProgramme:
    site_id = await services.account_store.create_site("demo", "Hospital Demo (Oncommun)", "ES", "ca")
    people: dict[str, Person] = {}
    for user in DEMO_USERS:
        try:
            person = await services.accounts.create_user(
                site_id=site_id,
                username=user.username,
                password=DEMO_PASSWORD,
                roles=list(user.roles),
                language=user.language,
                display_name=user.display_name,
            )
        except DomainError:  # already seeded
            row = await services.account_store.user_for_login(user.username)
            assert row is not None
            person = await services.accounts.person(row["id"])
        people[user.username] = person
    programme = DemoProgramme(site_id, people)
    await seed_care_demo(services.care, people)
    await seed_demo_rooms(services.rooms, people)
    await seed_demo_live_session(services.live_video.sessions, people["psy.marta"])
    log.info("demo_seeded", site_id=site_id, users=len(people))
    return programme


def demo_logins_text(base_url: str) -> str:
    lines = [
        "",
        "Oncommun demo programme is ready.",
        f"  Open {base_url}/ and sign in as any of these (password: {DEMO_PASSWORD}):",
    ]
    for user in DEMO_USERS:
        step = f"step {user.step}" if user.step else ""
        lines.append(f"    {user.username:<15} {', '.join(user.roles):<22} {user.language}  {step}")
    lines.append(
        f"  Try: curl -s -X POST {base_url}/api/auth/login -H 'Content-Type: application/json' "
        f'-d \'{{"username": "patient.laia", "password": "{DEMO_PASSWORD}"}}\''
    )
    return "\n".join(lines)
