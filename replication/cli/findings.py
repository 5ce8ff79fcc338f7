"""What a live command reports about each thing it looked at: a finding, or that it could not check it."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Finding:
    """Something read and found wrong: where, what, and how to fix it."""

    where: str
    problem: str
    fix: str


@dataclass(frozen=True)
class NotChecked:
    """Something that could not be read, so no verdict is given about it."""

    where: str
    reason: str
    fix: str
