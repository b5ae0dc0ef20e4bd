"""Errors of the domain, each mapped to a clear HTTP status by the app (never a 500)."""

from __future__ import annotations


class NotFound(LookupError):
    """The object does not exist, or is outside the caller's reach (HTTP 404)."""


class InvalidInput(ValueError):
    """The caller's input breaks a rule; the message names the field/row and the reason (HTTP 422).

    ``errors`` may carry a list of {"sheet"/"row"/"column"/"field"/"feature": ..., "message": ...}."""

    def __init__(self, message: str, errors: list[dict] | None = None):
        super().__init__(message)
        self.errors = errors or []


class Conflict(RuntimeError):
    """The request is valid but not now: an invalid state transition, a stale edit (HTTP 409)."""


class Stale(Conflict):
    """An edit based on a version of the record that is no longer current (HTTP 412): someone else
    changed it in between; the caller reloads and decides again — nothing is silently overwritten."""


class VersionRequired(InvalidInput):
    """An edit that does not say which version of the record it is based on (HTTP 428)."""
