"""Message text as the rooms store it: NFC-normalised, without control characters, within the limit.

Control characters (C0/C1, except newline and tab) and bidirectional overrides are removed because they
can hide or reorder what other members read; normalising to NFC makes equal-looking texts equal for
moderation filters and search.
"""

from __future__ import annotations

import re
import unicodedata

from care.errors import N_
from rooms.model import RoomError, room_error

_UNWANTED = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_MAX_EMOJI_CHARS = 32


def clean_text(raw: object, max_chars: int) -> str:
    if not isinstance(raw, str):
        raise room_error(RoomError.BAD_PAYLOAD, N_("The field '{field}' must be text."), field="text")
    text = _UNWANTED.sub("", unicodedata.normalize("NFC", raw.replace("\r\n", "\n"))).strip()
    if not text:
        raise room_error(RoomError.TEXT_EMPTY, N_("The message is empty."))
    if len(text) > max_chars:
        raise room_error(
            RoomError.TEXT_TOO_LONG,
            N_("The message is longer than {max_chars} characters."),
            max_chars=max_chars,
            length=len(text),
        )
    return text


def clean_emoji(raw: object) -> str:
    """A reaction: one short piece of text (an emoji or a shortcode), normalised the same way."""
    if not isinstance(raw, str):
        raise room_error(RoomError.BAD_PAYLOAD, N_("The field '{field}' must be text."), field="emoji")
    emoji = _UNWANTED.sub("", unicodedata.normalize("NFC", raw)).strip()
    if not emoji or len(emoji) > _MAX_EMOJI_CHARS or any(c.isspace() for c in emoji):
        raise room_error(RoomError.BAD_PAYLOAD, N_("That is not a valid reaction."), field="emoji")
    return emoji
