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

Per spoke registry ``import --spoke`` names: ``DescribePullThroughCacheRules`` (every page, every rule whatever its
upstream), the creation templates and the scanning configuration as above. Then, with the source credentials, the
registry policy of each registry in the source account that a spoke in another account caches from (the source, a
same-account destination): it holds that spoke's grant, which the component declares there.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any, TypeVar

import botocore.exceptions

from replication.cli.aws_errors import AwsError, error_code, translated_errors
from replication.cli.findings import NotChecked
from replication.cli.live import source_registry
from replication.cli.live_spokes import read_rules
from replication.cli.sessions import AccountSession, Sessions, Unreachable
from replication.cli.side_by_side import in_order
from replication.ecr_semantics import Registry
from replication.limits import APPLIED_FOR_PULL_THROUGH_CACHE, APPLIED_FOR_REPLICATION
from replication.iam_policy import PolicyDocumentError, policy_statements
from replication.stack.importer import LiveRegistry, LiveSetup, destinations_named, ecr_upstream

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


def read_setup(sessions: Sessions, spokes: Sequence[Registry] = ()) -> ReadResult:
    """The source registry's rules (a ``CliError`` when they can't be read: nothing works without them), each
    destination registry's policy, creation templates and scanning configuration, each of ``spokes``' pull-through
    cache rules, templates and scanning, and the policies in the source account that hold a spoke's grant."""
    source = sessions.source()
    with translated_errors(source.account_id, "ecr"):
        response = source.client("ecr").describe_registry()
    rules = tuple((response.get("replicationConfiguration") or {}).get("rules") or ())
    destinations = destinations_named(rules)
    sessions.accounts([*destinations, *spokes])

    def read(registry: Registry, spoke: bool) -> tuple[LiveRegistry | None, list[NotChecked]]:
        not_read: list[NotChecked] = []
        return _read_registry(sessions, source.account_id, registry, spoke, not_read), not_read

    # Registries are read side by side; what was read, and what not, keeps the order of destinations_named, then
    # the spokes' as given.
    results = in_order([functools.partial(read, registry, False) for registry in destinations]
                       + [functools.partial(read, registry, True) for registry in spokes])
    found = [registry for registry, _ in results]
    not_read = [n for _, items in results for n in items]
    live = LiveSetup(source_registry(source), rules,
                     tuple(r for r in found[:len(destinations)] if r is not None),
                     tuple(r for r in found[len(destinations):] if r is not None))
    return ReadResult(_with_upstream_policies(source, live, not_read), not_read)


def _with_upstream_policies(source: AccountSession, live: LiveSetup, not_read: list[NotChecked]) -> LiveSetup:
    """``live`` with the policies of the registries in the source account (the source, same-account destinations)
    that a spoke in another account caches from, read with the source credentials."""
    upstreams = sorted({upstream for spoke in live.spokes for rule in spoke.pull_through_rules
                        if (upstream := ecr_upstream(rule)) is not None
                        and upstream.account_id == source.account_id != spoke.registry.account_id
                        and (upstream == live.source or live.registry(upstream) is not None)})
    for upstream in upstreams:
        try:
            policy = _policy(source.client("ecr", upstream.region))
        except AwsError as error:
            failure = source.read_failure(error, upstream.account_id, "ecr:GetRegistryPolicy")
            not_read.append(NotChecked(f"registry {upstream}", f"not read: {failure.reason}", failure.fix))
            continue
        if upstream == live.source:
            live = replace(live, source_policy=policy, source_policy_read=True)
        else:
            live = replace(live, registries=tuple(replace(r, policy=policy) if r.registry == upstream else r
                                                  for r in live.registries))
    return live


def _read_registry(sessions: Sessions, source_account: str, registry: Registry, spoke: bool,
                   not_read: list[NotChecked]) -> LiveRegistry | None:
    """What one destination or ``spoke`` registry holds, read with its own account's session; ``None`` when
    something of it couldn't be read (recorded in ``not_read``)."""
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
            failure = session.read_failure(error, registry.account_id, f"ecr:{action}")
        not_read.append(NotChecked(where, f"not read: {failure.reason}", failure.fix))
        raise _Failed

    try:
        cross_account_destination = not spoke and registry.account_id != source_account
        policy = call("GetRegistryPolicy", lambda: _policy(ecr)) if cross_account_destination else None
        pull_through = call("DescribePullThroughCacheRules", lambda: read_rules(session, registry)) if spoke else ()
        templates = call("DescribeRepositoryCreationTemplates", lambda: _templates(ecr))
        scanning = call("GetRegistryScanningConfiguration", lambda: ecr.get_registry_scanning_configuration())
    except _Failed:
        return None
    return LiveRegistry(registry, policy, templates, scanning.get("scanningConfiguration") or {}, pull_through)


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


def registry_summary(found: LiveRegistry, source_account: str, spoke: bool = False) -> str:
    """What was read of a destination or ``spoke`` registry, in words."""
    parts = []
    if spoke:
        rules = [f"{r.get('ecrRepositoryPrefix')} from {r.get('upstreamRegistryUrl')}" for r in found.pull_through_rules]
        parts.append(f"{len(rules)} pull-through cache rule(s)" + (f" ({', '.join(rules)})" if rules else ""))
    elif found.registry.account_id != source_account or found.policy is not None:
        parts.append("no registry policy" if found.policy is None else f"registry policy with {_statements(found.policy)}")
    applied_for = APPLIED_FOR_PULL_THROUGH_CACHE if spoke else APPLIED_FOR_REPLICATION
    templates = sorted(str(t["prefix"]) for t in found.templates if applied_for in (t.get("appliedFor") or ()))
    parts.append(f"{len(templates)} creation template(s) for {applied_for}"
                 + (f" ({', '.join(templates)})" if templates else ""))
    rules = found.scanning.get("rules") or []
    parts.append(f"scanning {found.scanning.get('scanType', 'BASIC')} with {len(rules)} rule(s)")
    return ", ".join(parts)


def _statements(policy: str) -> str:
    """``2 statement(s)``, or what the policy text is when it isn't a policy (the importer says why it can't be used)."""
    try:
        return f"{len(policy_statements(policy))} statement(s)"
    except PolicyDocumentError:
        return "text that is not a JSON policy"
