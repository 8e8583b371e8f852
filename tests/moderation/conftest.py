"""Moderation tests reuse the rooms fixtures: patients at a step, rooms, and well-behaved chat clients."""

from tests.rooms.conftest import chat_client, make_room, patient_at, psychologist

__all__ = ["chat_client", "make_room", "patient_at", "psychologist"]
