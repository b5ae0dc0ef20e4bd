"""Consequence models; the code is in :mod:`layers.consequences.base`."""

from layers.consequences.base import *  # noqa: F401,F403
from layers.consequences.base import InvalidInput  # noqa: F401
