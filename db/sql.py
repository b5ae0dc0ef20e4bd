"""Named SQL statements kept in ``.sql`` files beside the module that runs them.

A module such as ``layers/plant.py`` keeps its longer statements in ``layers/plant.sql``, each under a
line ``-- name: NAME``; ``SQL = statements(__file__)`` reads that file once, when the module is
imported, and ``SQL["areas"]`` is a statement's text (placeholders and ``{format}`` fields as written).
A one-line statement stays inline where it is run. A statement that is missing, or named twice, is an
error at import rather than at the first request.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from pathlib import Path

_NAME = re.compile(r"^--\s*name:\s*([A-Za-z_][A-Za-z0-9_]*)\s*$")


class Statements(Mapping[str, str]):
    """The named statements of one ``.sql`` file, read-only."""

    def __init__(self, path: Path, statements: dict[str, str]) -> None:
        self.path = path
        self._statements = statements

    def __getitem__(self, name: str) -> str:
        try:
            return self._statements[name]
        except KeyError:
            raise KeyError(f"{self.path.name} has no statement named {name!r}") from None

    def __iter__(self) -> Iterator[str]:
        return iter(self._statements)

    def __len__(self) -> int:
        return len(self._statements)


def parse(text: str, path: Path) -> dict[str, str]:
    """The statements of a ``.sql`` text by name, in file order, each without its trailing blank lines."""
    found: dict[str, list[str]] = {}
    current: list[str] | None = None
    for number, line in enumerate(text.splitlines(), 1):
        m = _NAME.match(line)
        if m:
            if m.group(1) in found:
                raise ValueError(f"{path}:{number}: statement {m.group(1)!r} is named twice")
            current = found[m.group(1)] = []
        elif current is not None:
            current.append(line)
        elif line.strip() and not line.lstrip().startswith("--"):
            raise ValueError(f"{path}:{number}: SQL before the first '-- name:' line")
    statements = {name: "\n".join(lines).strip("\n") + "\n" for name, lines in found.items()}
    empty = [name for name, body in statements.items() if not body.strip()]
    if empty:
        raise ValueError(f"{path}: statement {empty[0]!r} is empty")
    return statements


def statements(module_file: str) -> Statements:
    """The statements in the ``.sql`` file next to ``module_file`` (pass ``__file__``)."""
    path = Path(module_file).with_suffix(".sql")
    return Statements(path, parse(path.read_text(encoding="utf-8"), path))
