"""Demo rooms for the demo programme: one room for each step, a therapy group and a direct room.

Idempotent like the rest of the demo: rooms are found by name, memberships are upserts.
"""

from __future__ import annotations

from care.people import Person, Step
from rooms.model import MemberRole, RoomKind
from rooms.service import RoomsService


async def seed_demo_rooms(rooms: RoomsService, people: dict[str, Person]) -> None:
    psychologist = people["psy.marta"]
    mentors = [p for name, p in people.items() if name.startswith("mentor.")]

    def members(*names: str, role: MemberRole = MemberRole.MEMBER) -> list[tuple[int, MemberRole]]:
        return [(people[name].id, role) for name in names]

    await rooms.create_room(psychologist, RoomKind.CAMPUS, Step.SCREENING, "Welcome", [])
    await rooms.create_room(psychologist, RoomKind.CAMPUS, Step.PSYCHOEDUCATION, "Campus: living with cancer", [])
    await rooms.create_room(
        psychologist,
        RoomKind.COMMUNITY,
        Step.PEER_SUPPORT,
        "Community: peer support",
        [(mentor.id, MemberRole.MODERATOR) for mentor in mentors],
    )
    await rooms.create_room(
        psychologist,
        RoomKind.THERAPY,
        Step.GROUP_THERAPY,
        "Therapy group (Thursdays)",
        members("patient.jordi", "patient.ewa"),
    )
    await rooms.create_room(
        psychologist,
        RoomKind.DIRECT,
        Step.PEER_SUPPORT,
        "Joan and Laia",
        members("mentor.joan", "patient.laia"),
    )
