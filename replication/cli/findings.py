"""What a live command reports about each thing it looked at: a finding, or that it could not check it."""

from __future__ import annotations

from dataclasses import dataclass, field


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


EXIT_HEALTHY, EXIT_FINDINGS, EXIT_NOT_CHECKED = 0, 1, 3
"""Exit codes of a report (2, usage or AWS errors, is the CLI's)."""


@dataclass
class Report:
    """Everything one run found, could not check, or noted."""

    findings: list[Finding] = field(default_factory=list)
    not_checked: list[NotChecked] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def exit_code(self) -> int:
        """Findings first; without any, an unchecked registry still keeps the run from passing."""
        if self.findings:
            return EXIT_FINDINGS
        return EXIT_NOT_CHECKED if self.not_checked else EXIT_HEALTHY
