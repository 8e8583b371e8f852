"""JSON shapes of care records, shared by the service and its HTTP routes."""

from __future__ import annotations

from typing import Any

from care.store import Row


def submission_json(row: Row, *, with_answers: bool = False) -> dict[str, Any]:
    data = {
        "id": row["id"],
        "instrument": row["instrument_id"],
        "version": row["instrument_version"],
        "language": row["language"],
        "submitted_at": row["submitted_at"],
        "scores": row["scores"],
        "bands": row["bands"],
        "above_threshold": row["above_threshold"],
        "fired_rules": list(row["fired_rules"]),
    }
    if with_answers:
        data["answers"] = row["answers"]
        data["item_scores"] = row["item_scores"]
    return data


def proposal_json(row: Row) -> dict[str, Any]:
    return {
        "id": row["id"],
        "patient_id": row["patient_id"],
        "submission_id": row["submission_id"],
        "from_step": row["from_step"],
        "to_step": row["to_step"],
        "reasons": list(row["reasons"]),
        "scores": row["scores"],
        "status": row["status"],
        "created_at": row["created_at"],
        "decided_by": row["decided_by"],
        "decided_at": row["decided_at"],
        "decided_step": row["decided_step"],
        "decision_note": row["decision_note"],
    }


def transition_json(row: Row) -> dict[str, Any]:
    return {
        "id": row["id"],
        "from_step": row["from_step"],
        "to_step": row["to_step"],
        "kind": row["kind"],
        "reason": row["reason"],
        "decided_by": row["decided_by"],
        "decided_at": row["decided_at"],
        "proposal_id": row["proposal_id"],
        "scores": row["scores"],
    }
