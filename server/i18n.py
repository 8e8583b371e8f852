"""Translations of the texts the server produces, from gettext catalogs in server/locale.

The catalogs are ordinary ``.po`` files (one per language, domain ``oncommun``) that translators edit
with any PO editor; they are compiled in memory at start-up, so there is no build step to forget.
English is the source language and needs no catalog.
"""

from __future__ import annotations

import gettext
import io
from collections.abc import Callable
from importlib import resources
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from care.people import Language

Translate = Callable[[str], str]
DOMAIN = "oncommun"


class Catalogs:
    def __init__(self, locale_dir: Path | None = None) -> None:
        root = locale_dir or Path(str(resources.files("server") / "locale"))
        self._translations: dict[str, gettext.NullTranslations] = {}
        for language in Language:
            po_path = root / language.value / "LC_MESSAGES" / f"{DOMAIN}.po"
            if not po_path.exists():
                self._translations[language.value] = gettext.NullTranslations()
                continue
            with po_path.open("rb") as po_file:
                catalog = read_po(po_file, locale=language.value)
            compiled = io.BytesIO()
            write_mo(compiled, catalog)
            compiled.seek(0)
            self._translations[language.value] = gettext.GNUTranslations(compiled)

    def translator(self, language: str | None) -> Translate:
        translations = self._translations.get(language or "en") or gettext.NullTranslations()
        return translations.gettext

    def languages_with_catalogs(self) -> list[str]:
        return [lang for lang, t in self._translations.items() if isinstance(t, gettext.GNUTranslations)]
