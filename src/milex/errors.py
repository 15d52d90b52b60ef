"""Exceptions milex raises on purpose: each one carries a message a user can act on."""

from __future__ import annotations

from pathlib import Path


class MilexError(Exception):
    """Base class: a problem with input, data or parameters, reported in one clear line."""


class SourceError(MilexError):
    """A publisher file could not be read as expected; names the file and the sheet/cell or row."""

    def __init__(self, path: str | Path, location: str | None, message: str) -> None:
        self.path = str(path)
        self.location = location
        self.detail = message
        where = f"{Path(path).name}" + (f" [{location}]" if location else "")
        super().__init__(f"{where}: {message}")


#: Unknown names an error lists by name (the rest are counted).
LISTED = 20


class UnknownCountryError(MilexError):
    """One or more names or codes the registry does not know; lists every one of them."""

    def __init__(
        self, names: list[str], context: str, suggestions: dict[str, list[str]] | None = None
    ):
        self.names = sorted(set(names))
        self.suggestions = suggestions or {}
        parts = []
        for name in self.names[:LISTED]:
            hint = self.suggestions.get(name)
            parts.append(f"{name!r}" + (f" (did you mean {', '.join(hint)}?)" if hint else ""))
        if len(self.names) > LISTED:
            parts.append(f"and {len(self.names) - LISTED:,} more")
        super().__init__(f"{context}: unknown country name(s): {'; '.join(parts)}")


class SnapshotError(MilexError):
    """The bundled or user snapshot is missing, damaged or inconsistent with its datapackage.json."""


class QueryError(MilexError):
    """A query named a measure, source, country or year range that does not exist."""
