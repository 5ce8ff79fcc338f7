"""Pull-through spokes live: the spokes a plan expects, a spoke registry's pull-through cache rules as ECR answers
them, and what ``check`` finds when it compares the two.

What ECR answers (botocore's ECR model, the operations' documentation):

* ``DescribePullThroughCacheRules`` "returns the pull through cache rules for a registry": each rule's
  ``ecrRepositoryPrefix``, ``upstreamRegistryUrl``, ``upstreamRepositoryPrefix`` (``ROOT`` when the rule was made
  without one: ``CreatePullThroughCacheRule.upstreamRepositoryPrefix``, "When this field isn't specified, Amazon ECR
  will use the ``ROOT``"), ``customRoleArn`` ("This role must be in the same account as the registry that you are
  configuring") and ``upstreamRegistry`` (``ecr`` for a private ECR upstream). Read whole: every page (its
  paginator), with no ``ecrRepositoryPrefixes`` filter, so a missing rule is a missing entry rather than an error.
* ``ValidatePullThroughCacheRule`` "validates an existing pull through cache rule for an upstream registry that
  requires authentication" and answers ``isValid`` with a ``failure`` reason. It applies to every ECR upstream: the
  ECR user guide ("Sync an upstream registry with an Amazon ECR private registry") lists Amazon ECR among the
  upstreams that require authentication, "with AWS IAM role" (the rule's ``customRoleArn`` across accounts, ECR's
  service-linked role in one), and the operation's answer carries ``customRoleArn``, a field only ECR upstreams
  have. An answer ``isValid: false`` is a finding; an error ECR answers instead (it may not validate a rule whose
  upstream needs no Secrets Manager secret) is a note, since the rule and its upstream's grant were read anyway.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import botocore.exceptions

from replication.cli.errors import CliError
from replication.cli.findings import Finding, NotChecked, Report
from replication.cli.aws_errors import AwsError, error_code, error_message, is_access_denied, is_aws_failure
from replication.cli.sessions import AccountSession, Sessions, Unreachable
from replication.ecr_semantics import Registry, account_of_role, parse_registry
from replication.limits import ACCOUNT_ID_PATTERN
from replication.pull_through import cached_repository_prefix, upstream_prefix
from replication.regions import unknown_region_problem
from replication.stack.importer import ecr_upstream

DEPLOY = "run `pulumi up` on the stack that owns the EcrReplication component"
"""The fix for a spoke's rule that differs from the stack's."""


@dataclass(frozen=True)
class ExpectedRule:
    """A pull-through cache rule as the plan declares it, in ``DescribePullThroughCacheRules``' terms."""

    prefix: str
    upstream_url: str
    upstream_prefix: str
    custom_role: bool
    """Whether the rule names a role (``customRoleArn``); the role's name is generated at deploy time."""


@dataclass(frozen=True)
class ExpectedSpoke:
    """A spoke registry and the rules it should have that cache from one upstream."""

    registry: Registry
    upstream: Registry | None
    """The private ECR registry the rules cache from; ``None`` for another kind of upstream."""
    rules: tuple[ExpectedRule, ...]

    @property
    def cross_account(self) -> bool:
        """Whether the upstream is another account's registry, which must then grant this account."""
        return self.upstream is not None and self.upstream.account_id != self.registry.account_id

    def cached_prefixes(self) -> tuple[str, ...]:
        """The upstream's repository name prefixes the rules cache (``""``: every repository)."""
        return tuple(cached_repository_prefix(rule.upstream_prefix) for rule in self.rules)


def expected_spokes(document: Mapping[str, Any], label: str) -> tuple[ExpectedSpoke, ...]:
    """The ``pullThroughSpokes`` of a plan document (``ecr-replication plan --json``); ``CliError``, naming the
    entry after ``label`` (what messages call the document: its file, or ``stack NAME``), for one that doesn't say
    which registry to read or what its rules are."""
    entries = document.get("pullThroughSpokes") or []
    if not isinstance(entries, list):
        raise CliError(f"{label}: pullThroughSpokes must be a list, as `ecr-replication plan --json` prints it")
    return tuple(_spoke(entry, f"{label}: pullThroughSpokes[{index}]") for index, entry in enumerate(entries))


def _spoke(entry: Any, where: str) -> ExpectedSpoke:
    if not isinstance(entry, Mapping):
        raise CliError(f"{where} is not an object")
    account, region = entry.get("accountId"), entry.get("region")
    if not isinstance(account, str) or not ACCOUNT_ID_PATTERN.match(account):
        raise CliError(f"{where}.accountId: {account!r} is not an account id (a secret, or an account the offline plan "
                       "could not tell), so the registry to read can't be named")
    if not isinstance(region, str) or (problem := unknown_region_problem(region)) is not None:
        raise CliError(f"{where}.region: {region!r}: {problem if isinstance(region, str) else 'not a region'}")
    rules = entry.get("rules")
    if not isinstance(rules, list) or not rules:
        raise CliError(f"{where} lists no rules: make the file with this version's `ecr-replication plan --json`")
    upstream = parse_registry(entry["upstream"]) if isinstance(entry.get("upstream"), str) else None
    return ExpectedSpoke(Registry(account, region), upstream,
                         tuple(_rule(rule, f"{where}.rules[{i}]") for i, rule in enumerate(rules)))


def _rule(rule: Any, where: str) -> ExpectedRule:
    if not isinstance(rule, Mapping):
        raise CliError(f"{where} is not an object")
    values = [rule.get(key) for key in ("ecrRepositoryPrefix", "upstreamRegistryUrl", "upstreamRepositoryPrefix")]
    if not all(isinstance(value, str) for value in values):
        raise CliError(f"{where}: ecrRepositoryPrefix, upstreamRegistryUrl and upstreamRepositoryPrefix must be "
                       "strings (a secret the offline plan masks can't be compared)")
    prefix, url, upstream_prefix = values
    return ExpectedRule(prefix, url, upstream_prefix, rule.get("customRoleArn") is not None)


def read_rules(session: AccountSession, registry: Registry) -> tuple[Mapping[str, Any], ...]:
    """Every pull-through cache rule of ``registry``, read with ``session`` (its account's); raises ``AwsError``."""
    pages = session.client("ecr", registry.region).get_paginator("describe_pull_through_cache_rules").paginate()
    return tuple(rule for page in pages for rule in page.get("pullThroughCacheRules") or ())


def check_spoke(sessions: Sessions, registry: Registry, spokes: Sequence[ExpectedSpoke], report: Report) -> None:
    """Compare a spoke registry's live rules with the rules of ``spokes`` (its plan entries), read and validated
    with credentials verified to be in the registry's own account."""
    where = f"registry {registry}"
    session = sessions.account(registry.account_id, registry.region)
    if isinstance(session, Unreachable):
        report.not_checked.append(NotChecked(where, f"its pull-through cache rules were not read: {session.reason}",
                                             session.hint))
        return
    try:
        live = {str(rule.get("ecrRepositoryPrefix")): rule for rule in read_rules(session, registry)}
    except AwsError as error:
        failure = session.read_failure(error, registry.account_id, "ecr:DescribePullThroughCacheRules")
        report.not_checked.append(NotChecked(where, f"its pull-through cache rules can't be read: {failure.reason}",
                                             failure.fix))
        return
    expected = [rule for spoke in spokes for rule in spoke.rules]
    for rule in expected:
        found = live.get(rule.prefix)
        if found is None:
            report.findings.append(Finding(where, f"has no pull-through cache rule {rule.prefix} (caching "
                                                  f"{rule.upstream_url}, prefix {rule.upstream_prefix})", DEPLOY))
            continue
        differences = rule_differences(rule, found, registry)
        if differences:
            report.findings.append(Finding(where, f"pull-through cache rule {rule.prefix} " + "; ".join(differences),
                                           f"{DEPLOY} (pulumi-aws replaces a rule whose upstream or prefixes changed)"))
        elif ecr_upstream(found) is not None:
            _validate(session, registry, rule, report)
    others = sorted(set(live) - {rule.prefix for rule in expected})
    if others:
        listed = ", ".join(f"{prefix} ({live[prefix].get('upstreamRegistryUrl')})" for prefix in others)
        report.notes.append(f"{where} has pull-through cache rule(s) the stack doesn't declare, left as they are: "
                            f"{listed}")


def rule_differences(expected: ExpectedRule, live: Mapping[str, Any], registry: Registry) -> list[str]:
    """How a live rule differs from the expected one: upstream, upstream prefix, whether it names a role, and that a
    role it names is in the registry's own account."""
    differences = []
    if live.get("upstreamRegistryUrl") != expected.upstream_url:
        differences.append(f"caches from {live.get('upstreamRegistryUrl')}, not {expected.upstream_url}")
    if upstream_prefix(live) != expected.upstream_prefix:
        differences.append(f"has upstream prefix {upstream_prefix(live)}, not {expected.upstream_prefix}")
    role = live.get("customRoleArn")
    if expected.custom_role and not role:
        differences.append("names no role (customRoleArn), and ECR's service-linked role can't pull from another "
                           "account's registry: the stack declares the role the ECR user guide documents")
    elif role and not expected.custom_role:
        differences.append(f"names role {role}, and the stack declares none (ECR's service-linked role, for an "
                           "upstream in the same account)")
    elif role and account_of_role(str(role)) != registry.account_id:
        differences.append(f"names role {role}, which is not a role in account {registry.account_id}: the role must be "
                           "in the registry's own account (botocore, CreatePullThroughCacheRule.customRoleArn)")
    return differences


def _validate(session: AccountSession, registry: Registry, rule: ExpectedRule, report: Report) -> None:
    """Ask ECR to validate one rule that is as expected (see the module docs for what counts as what)."""
    where = f"registry {registry}"
    try:
        answer = session.client("ecr", registry.region).validate_pull_through_cache_rule(ecrRepositoryPrefix=rule.prefix)
    except AwsError as error:
        if is_access_denied(error) or is_aws_failure(error) or not isinstance(error, botocore.exceptions.ClientError):
            failure = session.read_failure(error, registry.account_id, "ecr:ValidatePullThroughCacheRule")
            report.not_checked.append(NotChecked(where, f"pull-through cache rule {rule.prefix} was not validated: "
                                                        f"{failure.reason}", failure.fix))
        else:
            report.notes.append(f"{where}: ECR did not validate pull-through cache rule {rule.prefix} "
                                f"({error_code(error)}: {error_message(error)}); the rule and its upstream's grant "
                                "were checked all the same")
        return
    if answer.get("isValid") is False:
        who = ("its role (customRoleArn) must trust pullthroughcache.ecr.amazonaws.com and allow the ECR user guide's "
               "actions, and the upstream must grant this account" if rule.custom_role
               else "ECR's service-linked role for pull through cache must exist in this account")
        report.findings.append(Finding(
            where, f"ECR could not validate pull-through cache rule {rule.prefix}: "
                   f"{answer.get('failure') or 'no reason given'}",
            f"{who} (other findings say what check saw wrong); {DEPLOY}"))
