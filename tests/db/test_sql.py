"""Named statements in .sql files beside their modules (db/sql.py)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from db.settings import PACKAGE_ROOT
from db.sql import parse, statements


def test_statements_by_name_in_file_order(tmp_path: Path):
    f = tmp_path / "m.sql"
    f.write_text("-- what the file holds\n\n-- name: one\nSELECT 1\n\n\n-- name: two\nSELECT %(x)s\n  FROM t\n")
    (tmp_path / "m.py").write_text("")
    s = statements(str(tmp_path / "m.py"))
    assert list(s) == ["one", "two"]
    assert s["one"] == "SELECT 1\n" and s["two"] == "SELECT %(x)s\n  FROM t\n"
    with pytest.raises(KeyError, match="m.sql has no statement named 'three'"):
        s["three"]


@pytest.mark.parametrize("text,message", [
    ("-- name: a\nSELECT 1\n-- name: a\nSELECT 2\n", "named twice"),
    ("SELECT 1\n-- name: a\nSELECT 2\n", "before the first"),
    ("-- name: a\n\n-- name: b\nSELECT 2\n", "'a' is empty"),
])
def test_a_broken_file_is_refused_with_its_line(text: str, message: str):
    with pytest.raises(ValueError, match=message):
        parse(text, Path("x.sql"))


def test_every_statement_a_module_names_is_in_its_file():
    """``SQL["name"]`` in a module names a statement of the .sql file beside it, and every statement
    of that file is used: a typo or a left-over fails here, not at the first request."""
    for sql_file in sorted(PACKAGE_ROOT.glob("*/**/*.sql")):
        if "migrations" in sql_file.parts or ".venv" in sql_file.parts:
            continue
        module = sql_file.with_suffix(".py")
        assert module.is_file(), f"{sql_file} has no module beside it"
        used = set(re.findall(r'SQL\["([A-Za-z0-9_]+)"\]', module.read_text(encoding="utf-8")))
        names = set(statements(str(module)))
        assert used <= names, f"{module.name} uses statements not in {sql_file.name}: {used - names}"
        assert names <= used, f"{sql_file.name} holds statements {module.name} never runs: {names - used}"
