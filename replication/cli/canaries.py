"""The repositories ``verify`` pushes its canary image to, one per replication rule: the one rule ``verify`` acts by
and ``permissions verify`` grants by.

For each rule of the source registry: ``--repository NAME`` when the rule replicates it, else the rule's first
prefix followed by :data:`CANARY_NAME` (the bare name for a rule without filters). Rules that pick the same
repository share it; each repository goes to every destination any rule replicates it to (``PREFIX_MATCH`` is a
plain string prefix, so a canary named after one rule's prefix may match another rule too).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from replication.cli.errors import CliError
from replication.ecr_semantics import Registry, Rule, destinations_of
from replication.repository_settings import is_repository_name

CANARY_NAME = "ecr-replication-canary"
"""The name ``verify`` gives its canary repository, after a rule's first prefix."""


@dataclass(frozen=True)
class Canary:
    """A repository to push the canary to, and every destination that repository replicates to."""

    repository: str
    destinations: tuple[Registry, ...]
    named_by_verify: bool
    """Whether the name is verify's own (``...ecr-replication-canary``), not one the user passed."""


def choose_canaries(rules: Sequence[Rule], repository: str | None, source: Registry) -> list[Canary]:
    """One repository per rule of ``source`` (rules that pick the same one share it), each with every destination
    it replicates to under all rules; ``CliError`` when ``repository`` (``--repository``) is not one ECR accepts, or
    no rule replicates it, or a rule's canary name is not one ECR accepts. Checked before anything is created."""
    if repository and not any(rule.matches(repository) for rule in rules):
        raise CliError(f"repository {repository!r} is not matched by any replication rule of registry {source}")
    names = [repository if repository and rule.matches(repository) else (rule.prefixes[:1] or ("",))[0] + CANARY_NAME
             for rule in rules]
    canaries = [Canary(name, tuple(destinations_of(rules, name)), name != repository) for name in dict.fromkeys(names)]
    for canary in canaries:
        check_name(canary.repository, "the canary repository for a rule's first prefix" if canary.named_by_verify
                   else "--repository")
    return canaries


def check_name(repository: str, origin: str = "--repository") -> None:
    """``CliError``, naming ``origin`` and the name, unless ECR accepts ``repository`` as a repository name."""
    if not is_repository_name(repository):
        raise CliError(f"{origin}: {repository!r} is not a valid ECR repository name (2-256 characters of a-z, 0-9 and "
                       "'._-' separated by '/'); pass --repository with a repository the rule replicates")
