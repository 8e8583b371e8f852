"""Fold chat text into a form that lexicons can match despite accents, case, leetspeak and stretched letters.

People in distress type fast, on phones, often without accents ("chce umrzec", "suicidarme") and with
stretched letters ("moriiir", "dieee"). Lexicon patterns are written in ordinary spelling and folded the
same way (`fold_pattern`), so one pattern covers all of these. Folding is lossy on purpose: it is only
ever used for matching, never shown or stored.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

_SPECIAL = str.maketrans({"ł": "l", "Ł": "l", "ß": "ss", "ø": "o", "æ": "ae", "œ": "oe", "đ": "d"})
_LEET = {"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a", "$": "s"}
_LEET_RE = re.compile(r"(?<=[a-z])[013457@$]+|[013457@$]+(?=[a-z])")
_NON_WORD = re.compile(r"[^a-z0-9]+")
_REPEATS = re.compile(r"(?<=([a-z]))\1+")  # deleting the repeats needs no template: the fast path of sub
# A comma breaks a clause, except the one Polish spelling requires before "żeby", "że" and "gdybym"
# ("myślę, żeby skoczyć", "lepiej, gdybym umarła"): what follows it finishes the same thought.
_CLAUSE_BREAK = re.compile(r"(?:[.!?;:\n\r\u2026()\"«»“”]|,(?!\s*(?:[żz]eby[mś]?\b|[żz]e\b|gdyby)))+")


def strip_accents(text: str) -> str:
    """ASCII letters only: accents go, and so does any other script (the lexicons are Latin-script)."""
    if text.isascii():
        return text
    decomposed = unicodedata.normalize("NFKD", text.translate(_SPECIAL))
    return decomposed.encode("ascii", "ignore").decode("ascii")


@lru_cache(maxsize=4096)
def fold(text: str) -> str:
    """Lower-case, accent-free, de-leeted, one space between tokens, repeated letters squeezed to one.

    The result is padded with spaces so patterns may anchor on whole words with ``\\b``.
    """
    lowered = strip_accents(text.casefold())
    lowered = _LEET_RE.sub(lambda m: "".join(_LEET[c] for c in m.group(0)), lowered)
    squeezed = _REPEATS.sub("", _NON_WORD.sub(" ", lowered))
    return f" {squeezed.strip()} "


@lru_cache(maxsize=1024)
def clauses(text: str) -> tuple[str, ...]:
    """Split on sentence punctuation and fold each clause, so "No. I want to die" keeps its meaning.

    Cached: several hooks look at the same message, and the first one pays for the folding.
    """
    return tuple(folded for part in _CLAUSE_BREAK.split(text) if (folded := fold(part)).strip())


@lru_cache(maxsize=4096)
def fold_pattern(pattern: str) -> str:
    """Fold a regex written in ordinary spelling the way `fold` folds text.

    Accents go, runs of one letter squeeze to one (outside escapes), and a literal space becomes an
    optional space so "kill myself" also matches "killmyself".
    """
    source = strip_accents(pattern.casefold())
    out: list[str] = []
    i = 0
    previous_letter: str | None = None
    while i < len(source):
        ch = source[i]
        if ch == "\\" and i + 1 < len(source):
            out.append(source[i : i + 2])
            previous_letter = None
            i += 2
            continue
        if ch == " ":
            out.append(r"\s?")
            previous_letter = None
        elif "a" <= ch <= "z":
            if ch != previous_letter:
                out.append(ch)
            previous_letter = ch
        else:
            out.append(ch)
            previous_letter = None
        i += 1
    return _literal_word_edges("".join(out))


def _literal_word_edges(pattern: str) -> str:
    """Turn word boundaries into the spaces folded text always has around its words.

    Folded text is space-separated and space-padded, so a word starts right after a space and ends right
    before one. A pattern that begins with a literal space lets `re` jump from space to space instead of
    trying every position: about ten times faster on chat-length text.
    """
    pattern = re.sub(r"\\b(?=[a-z(\[])", " ", pattern)
    return re.sub(r"\\b(?=$|[|)])", "(?= )", pattern)


def deletions(word: str) -> set[str]:
    """Every string one deletion away from ``word``: the heart of a distance-1 typo match (SymSpell)."""
    return {word[:i] + word[i + 1 :] for i in range(len(word))}


class TypoCorrector:
    """Map tokens within one edit of a distinctive anchor word ("suicde", "myslef") to that anchor.

    Only long, distinctive anchors are safe: correcting "quiere" (he wants) to "quiero" (I want) would turn
    talk about others into talk about oneself, so such words are handled by explicit spelling variants in
    the lexicon instead.
    """

    def __init__(self, anchors: list[str], min_length: int = 5) -> None:
        self._min = min_length
        self._anchors = {fold(a).strip() for a in anchors}
        # A typo keeps at least one of: the first two letters, them swapped, or one of them dropped.
        self._openings = frozenset(
            opening for a in self._anchors for opening in (a[:2], a[1] + a[0], a[0] + a[2], a[1:3])
        )
        openings = "|".join(sorted(self._openings))
        self._candidates = re.compile(rf" (?:{openings})[a-z]{{{max(0, min_length - 2)},}}(?= )")
        self._by_deletion: dict[str, str] = {}
        for anchor in sorted(self._anchors):
            for variant in {anchor} | deletions(anchor):
                self._by_deletion.setdefault(variant, anchor)

    def correct(self, folded: str) -> str:
        if self._candidates.search(folded) is None:
            return folded
        tokens = folded.split()
        changed = False
        for index, token in enumerate(tokens):
            if len(token) < self._min or token[:2] not in self._openings:
                continue
            if token in self._anchors or not token.isalpha():
                continue
            for variant in (token, *deletions(token)):
                anchor = self._by_deletion.get(variant)
                if anchor is not None and abs(len(anchor) - len(token)) <= 1:
                    tokens[index] = anchor
                    changed = True
                    break
        return f" {' '.join(tokens)} " if changed else folded
