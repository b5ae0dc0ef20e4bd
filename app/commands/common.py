"""What every command shares: a connection to the configured database, and failing with a message.

A command that cannot go on calls :func:`fail`: the Chinese message (English in parentheses) in red
on stderr, and an exit code — 1 for a failure, 2 for a usage mistake, as each command documents.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import NoReturn, TypeVar

import psycopg2.extensions
import typer

T = TypeVar("T")


def fail(message: str, code: int = 1, details: Iterable[str] = ()) -> NoReturn:
    """End the command: ``错误 (error): message`` on stderr, each of ``details`` on a line below it."""
    typer.secho(f"错误 (error): {message}", fg=typer.colors.RED, err=True)
    for line in details:
        typer.secho(f"  {line}", fg=typer.colors.RED, err=True)
    raise typer.Exit(code)


@contextmanager
def connection(actor: str | None = None, *,
               fails_on: tuple[type[Exception], ...] = ()) -> Iterator[psycopg2.extensions.connection]:
    """A connection to the configured database (``DATABASE_URL`` or the embedded cluster), closed
    after the block; ``actor`` is who the audit trail records for its writes. An exception of
    ``fails_on`` raised in the block ends the command with its message (exit code 1)."""
    from db.connection import connect

    conn = connect(actor=actor)
    try:
        yield conn
    except fails_on as exc:
        fail(str(exc))
    finally:
        conn.close()


def run(fn: Callable[[psycopg2.extensions.connection], T], *, actor: str | None = None) -> T:
    """``fn(conn)`` in one transaction; a domain error ends the command with its message (an
    invalid input's field-by-field errors below it), exit code 1."""
    from layers.errors import Conflict, InvalidInput, NotFound

    with connection(actor, fails_on=(NotFound, Conflict)) as conn:
        try:
            with conn:
                return fn(conn)
        except InvalidInput as exc:
            fail(str(exc), details=error_lines(exc.errors))


def error_lines(errors: Iterable[dict]) -> list[str]:
    """One line per error of an InvalidInput: where (row or feature, as the user counts), the field, why."""
    lines = []
    for e in errors:
        where = (f"第 {e['row']} 行 (row {e['row']})" if e.get("row") is not None else
                 f"第 {e['feature']} 个要素 (feature {e['feature']})" if e.get("feature") is not None else "")
        field = f"字段 {e['field']} (field)" if e.get("field") else ""
        lines.append(" ".join(p for p in (where, field, str(e.get("message") or "")) if p))
    return lines
