"""Who is asking: the identity every package reasons about.

The authenticated person is a care concept (a mentor is a patient who improved), so it lives in the
innermost package and every other package may import it.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum, StrEnum
from typing import NewType

UserId = NewType("UserId", int)
SiteId = NewType("SiteId", int)


class Role(StrEnum):
    PATIENT = "patient"
    MENTOR = "mentor"
    PSYCHOLOGIST = "psychologist"
    ADMIN = "admin"


class Language(StrEnum):
    CA = "ca"
    ES = "es"
    PT = "pt"
    PL = "pl"
    EN = "en"


class Step(IntEnum):
    """The four levels of the ICOnnecta't stepped-care model."""

    SCREENING = 1
    PSYCHOEDUCATION = 2
    PEER_SUPPORT = 3
    GROUP_THERAPY = 4


@dataclass(frozen=True, slots=True)
class Person:
    """An authenticated user as the domain sees them: no password hash, no token."""

    id: UserId
    site_id: SiteId
    roles: frozenset[Role]
    language: Language
    display_name: str

    def has(self, role: Role) -> bool:
        return role in self.roles

    @property
    def is_staff(self) -> bool:
        """Clinical or administrative staff: psychologists and admins."""
        return Role.PSYCHOLOGIST in self.roles or Role.ADMIN in self.roles

    @property
    def is_patient(self) -> bool:
        """A mentor is also a patient of the programme."""
        return Role.PATIENT in self.roles or Role.MENTOR in self.roles
