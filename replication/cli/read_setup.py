"""Read a live replication setup: the source registry's rules and, for every destination registry they name, what
the EcrReplication component would own there. Each registry is read only with credentials verified (STS) to be in
its own account (:class:`~replication.cli.sessions.Sessions`); one that can't be read that way is reported with
the reason and the option or permission that would reach it, never read with other credentials.

Per destination registry (ECR API reference for each call):

* ``GetRegistryPolicy`` (cross-account only: a same-account destination needs no registry policy), where
  ``RegistryPolicyNotFoundException`` means the registry has none;
* ``DescribeRepositoryCreationTemplates``, every page (botocore's paginator), every template whatever it applies
  to: a template the component would declare for one prefix may exist for another feature;
* ``GetRegistryScanningConfiguration`` (every registry has one; ``BASIC`` without rules by default).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import botocore.exceptions

from replication.cli.aws_errors import AwsError, error_code, read_failure, translated_errors
from replication.cli.findings import NotChecked
from replication.cli.live import source_registry
from replication.cli.sessions import Sessions, Unreachable
from replication.cli.side_by_side import in_order
from replication.ecr_semantics import Registry
from replication.limits import APPLIED_FOR_REPLICATION
from replication.iam_policy import PolicyDocumentError, policy_statements
from replication.stack.importer import LiveRegistry, LiveSetup, destinations_named

T = TypeVar("T")

NO_POLICY = "RegistryPolicyNotFoundException"
"""The error ``GetRegistryPolicy`` answers for a registry without a policy (botocore's ECR model)."""


@dataclass
class ReadResult:
    """What could be read, and every registry item that could not."""

    setup: LiveSetup
    not_read: list[NotChecked]


class _Failed(Exception):
    """A call that failed; the reason is already recorded."""


def read_setup(sessions: Sessions) -> ReadResult:
    """The source registry's rules (a ``CliError`` when they can't be read: nothing works without them) and each
    destination registry's policy, creation templates and scanning configuration."""
    source = sessions.source()
    with translated_errors(source.account_id, "ecr"):
        response = source.client("ecr").describe_registry()
    rules = tuple((response.get("replicationConfiguration") or {}).get("rules") or ())
    destinations = destinations_named(rules)
    sessions.accounts(destinations)

    def read(registry: Registry) -> tuple[LiveRegistry | None, list[NotChecked]]:
        not_read: list[NotChecked] = []
        return _read_registry(sessions, source.account_id, registry, not_read), not_read

    # Registries are read side by side; what was read, and what not, keeps the order of destinations_named.
    results = in_order([functools.partial(read, registry) for registry in destinations])
    registries = tuple(found for found, _ in results if found is not None)
    return ReadResult(LiveSetup(source_registry(source), rules, registries), [n for _, items in results for n in items])


def _read_registry(sessions: Sessions, source_account: str, registry: Registry,
                   not_read: list[NotChecked]) -> LiveRegistry | None:
    """What one destination registry holds, read with its own account's session; ``None`` when something of it
    couldn't be read (recorded in ``not_read``)."""
    where = f"registry {registry}"
    session = sessions.account(registry.account_id, registry.region)
    if isinstance(session, Unreachable):
        not_read.append(NotChecked(where, f"not read: {session.reason}", session.hint))
        return None
    ecr = session.client("ecr", registry.region)

    def call(action: str, fn: Callable[[], T]) -> T:
        """``fn()``; a failure is recorded with what would fix it: a permission only for an access denial."""
        try:
            return fn()
        except AwsError as error:
            failure = read_failure(error, registry.account_id, f"ecr:{action}", session.access,
                                   "ecr-replication import")
        not_read.append(NotChecked(where, f"not read: {failure.reason}", failure.fix))
        raise _Failed

    try:
        policy = call("GetRegistryPolicy", lambda: _policy(ecr)) if registry.account_id != source_account else None
        templates = call("DescribeRepositoryCreationTemplates", lambda: _templates(ecr))
        scanning = call("GetRegistryScanningConfiguration", lambda: ecr.get_registry_scanning_configuration())
    except _Failed:
        return None
    return LiveRegistry(registry, policy, templates, scanning.get("scanningConfiguration") or {})


def _policy(ecr: Any) -> str | None:
    try:
        return str(ecr.get_registry_policy()["policyText"])
    except botocore.exceptions.ClientError as error:
        if error_code(error) == NO_POLICY:
            return None
        raise


def _templates(ecr: Any) -> tuple[dict[str, Any], ...]:
    pages = ecr.get_paginator("describe_repository_creation_templates").paginate()
    return tuple(template for page in pages for template in page.get("repositoryCreationTemplates") or ())


def registry_summary(found: LiveRegistry, source_account: str) -> str:
    """What was read of a destination registry, in words."""
    parts = []
    if found.registry.account_id != source_account:
        parts.append("no registry policy" if found.policy is None else f"registry policy with {_statements(found.policy)}")
    replication = sorted(str(t["prefix"]) for t in found.templates
                         if APPLIED_FOR_REPLICATION in (t.get("appliedFor") or ()))
    parts.append(f"{len(replication)} creation template(s) for REPLICATION"
                 + (f" ({', '.join(replication)})" if replication else ""))
    rules = found.scanning.get("rules") or []
    parts.append(f"scanning {found.scanning.get('scanType', 'BASIC')} with {len(rules)} rule(s)")
    return ", ".join(parts)


def _statements(policy: str) -> str:
    """``2 statement(s)``, or what the policy text is when it isn't a policy (the importer says why it can't be used)."""
    try:
        return f"{len(policy_statements(policy))} statement(s)"
    except PolicyDocumentError:
        return "text that is not a JSON policy"
