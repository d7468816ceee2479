"""A page's furniture in its language: the theme's words from gettext catalogs (`theme/locale/<language>.po`,
one per language; the templates' English is the fallback) and dates from CLDR through Babel.

A publisher adds a language by adding its catalog: no code. Babel is imported on the first page rendered,
so only the publisher, which alone renders pages, pays for it, once per cold start.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from newsfeed.logic.site import THEME

if TYPE_CHECKING:
    from babel import Locale

CATALOGS = THEME / "locale"
FALLBACK = "en"  # the templates' own words, and the dates of a language CLDR does not know


def _candidates(language: str) -> list[str]:
    """'kk-Cyrl-KZ' -> ['kk_Cyrl_KZ', 'kk_Cyrl', 'kk']: the most specific catalog or locale first."""
    parts = language.replace("-", "_").split("_")
    return ["_".join(parts[:n]) for n in range(len(parts), 0, -1)]


@functools.cache
def _locale(language: str) -> Locale:
    from babel import Locale, UnknownLocaleError

    for candidate in _candidates(language):
        try:
            return Locale.parse(candidate)
        except (UnknownLocaleError, ValueError):
            continue
    return Locale.parse(FALLBACK)


@functools.cache
def _messages(language: str) -> dict[str, str]:
    """The catalog's translated messages (an empty dict: the templates' English)."""
    from babel.messages.pofile import read_po

    for candidate in _candidates(language):
        path = CATALOGS / f"{candidate}.po"
        if path.is_file():
            with path.open("rb") as source:
                catalog = read_po(source, locale=candidate)
            return {str(m.id): str(m.string) for m in catalog if m.id and m.string and not m.fuzzy}
    return {}


@dataclass(frozen=True)
class Furniture:
    """What a template calls to speak `language`: `_("Related articles")`, `_("Follow {name}:", name=…)`,
    `date(moment)`."""

    language: str

    def translate(self, message: str, **values: object) -> str:
        return _messages(self.language).get(message, message).format(**values)

    def date(self, moment: datetime) -> str:
        """The day in the language's full date format (CLDR): 'Friday, March 29, 2024', 'пятница, 29 марта
        2024 г.', '2024 ж. 29 наурыз, жұма'."""
        from babel.dates import format_date

        return format_date(moment.date(), format="full", locale=_locale(self.language))

    def context(self) -> dict[str, Callable[..., str]]:
        return {"_": self.translate, "date": self.date}


def languages() -> list[str]:
    """The languages the theme has catalogs for (besides its own English)."""
    return sorted(path.stem for path in CATALOGS.glob("*.po"))
