"""`CareService`: the stepped-care programme as the rest of Oncommun sees it.

The server builds one with the asyncpg pool. Rooms ask it `may_enter`; moderation calls `raise_alert`;
the server registers `on_step_changed` and `on_alert` listeners to push live events, so care never imports
server. The work is done by desks over one store: steps and proposals in `StepDesk`, screening in
`ScreeningDesk`, staff views of patients in `PatientRecords`, alerts in `AlertDesk`, mentors in
`MentorDesk`, outcomes in `OutcomeReports`. The service builds them and answers for them under one name.
"""

from __future__ import annotations

import asyncpg

from care.alert_desk import AlertDesk
from care.catalog import Catalog
from care.mentors import MentorDesk
from care.records import PatientRecords
from care.reports import OutcomeReports
from care.screening import ScreeningDesk
from care.settings import CareSettings
from care.steps import StepDesk, TransitionKind
from care.store import CareStore

__all__ = ["CareService", "CareSettings", "TransitionKind"]


class CareService:
    def __init__(self, pool: asyncpg.Pool, settings: CareSettings | None = None) -> None:
        self.settings = settings or CareSettings()
        self.store = CareStore(pool)
        self.alert_desk = AlertDesk(self.store, self.settings.escalation_seconds)
        self.mentors = MentorDesk(self.store, self.settings.mentor_capacity)
        self.reports = OutcomeReports(self.store)
        self.catalog = Catalog(self.store, self.settings.instruments_dir)
        self.steps = StepDesk(self.store, self.settings.initial_step)
        self.screenings = ScreeningDesk(self.store, self.steps, self.catalog, self.alert_desk, self.settings)
        self.records = PatientRecords(self.store, self.steps, self.screenings, self.catalog, self.settings.initial_step)

        # The service's own API: each name is answered by the desk that owns it (signatures live there).
        # Listeners, and the alert entry point the other packages use.
        self.on_step_changed = self.steps.on_step_changed
        self.on_alert = self.alert_desk.on_alert
        self.raise_alert = self.alert_desk.raise_alert
        # The rooms question, and moving a patient.
        self.current_step = self.steps.current_step
        self.may_enter = self.steps.may_enter
        self.set_step = self.steps.set_step
        # Patients: screening.
        self.submit = self.screenings.submit
        self.due = self.screenings.due
        self.my_results = self.screenings.my_results
        self.my_transitions = self.screenings.my_transitions
        # Staff: patient records, proposals and decisions.
        self.patients = self.records.patients
        self.patient_record = self.records.patient_record
        self.transitions = self.records.transitions
        self.proposals = self.records.proposals
        self.decide = self.steps.decide
        self.change_step = self.records.change_step
        self.set_status = self.records.set_status
        self.update_profile = self.records.update_profile
        self.request_screening = self.records.request_screening
        self.access_log = self.records.access_log
