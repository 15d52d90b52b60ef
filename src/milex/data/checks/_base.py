"""What every check returns (Violation) and raises (ChecksFailed), and how it names a cell."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from milex.errors import MilexError

MAX_LISTED = 40


@dataclass(frozen=True)
class Violation:
    """One problem found by a check: which check, where (file and cell/row), and what."""

    check: str
    where: str
    message: str

    def __str__(self) -> str:
        return f"{self.where}: {self.message}" if self.where else self.message


class ChecksFailed(MilexError):
    """The snapshot failed its checks; ``violations`` lists every problem found."""

    def __init__(self, violations: list[Violation]) -> None:
        self.violations = violations
        lines = [str(v) for v in violations[:MAX_LISTED]]
        if len(violations) > MAX_LISTED:
            lines.append(f"... and {len(violations) - MAX_LISTED} more")
        super().__init__(
            f"snapshot checks failed ({len(violations)} problem(s)); nothing was written:\n- "
            + "\n- ".join(lines)
        )


def files_by_edition(sources: Iterable[Mapping[str, Any]]) -> dict[tuple[str, str], str]:
    """(source, edition) -> raw file path, from datapackage.json source entries."""
    return {(s["source"], s["edition"]): str(s.get("path", "")) for s in sources}


def where(files: Mapping[tuple[str, str], str], source: Any, edition: Any, origin: Any) -> str:
    """'file [cell]' for a figure, or 'source edition' when the file is not known."""
    name = files.get((str(source), str(edition))) or f"{source} {edition}"
    return f"{name} [{origin}]" if origin else name
