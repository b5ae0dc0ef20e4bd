"""Risk lists (DOMAIN.md §4, seed 003 附件1/附件2); the code is in :mod:`layers.risk_lists.importer`."""

from layers.risk_lists.importer import *  # noqa: F401,F403
from layers.risk_lists.importer import _Errors, _load_workbook, _natural  # noqa: F401
