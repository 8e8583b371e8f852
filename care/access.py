"""Who may see and do what in care. Every service method starts with one of these checks.

Patients see their own data only; psychologists and admins the patients of their own site; mentors, being
patients, their own data and nothing of anyone else's screening.
"""

from __future__ import annotations

from care.errors import N_, DomainError, ErrorCode
from care.people import Person, Role, SiteId, Step


def forbidden() -> DomainError:
    return DomainError(ErrorCode.FORBIDDEN, N_("You are not allowed to do that."))


def require_staff(person: Person) -> None:
    if not person.is_staff:
        raise forbidden()


def require_patient(person: Person) -> None:
    if not person.is_patient:
        raise forbidden()


def require_role_at_site(person: Person, role: Role) -> None:
    if not person.has(role):
        raise forbidden()


def require_same_site(staff: Person, site_id: int) -> None:
    """Staff act on their own site only. Said as 403, which tells nothing about the other site's data."""
    require_staff(staff)
    if staff.site_id != site_id:
        raise forbidden()


def step_allows(person: Person, room_site: SiteId, room_step: Step, current_step: Step) -> bool:
    """The rooms rule, without the database.

    Staff enter every room of their own site. Patients enter rooms of their current step and below on
    their own site. A mentor moderates the peer-support community, so a mentor counts as at least step 3
    even after stepping down as a patient.
    """
    if person.site_id != room_site:
        return False
    if person.is_staff:
        return True
    if not person.is_patient:
        return False
    effective = max(current_step, Step.PEER_SUPPORT) if person.has(Role.MENTOR) else current_step
    return room_step <= effective
