"""``ecr-replication check``: is live replication what the stack declares, and can it work?

Reads, each with credentials verified (STS GetCallerIdentity) to be in that registry's own account:

1. the source registry's replication configuration, compared by what it replicates (each destination's set of
   prefixes), not by rule layout; a live rule with ``deleteReplication`` enabled is a finding too, because the
   component can't declare it and the next ``pulumi up`` turns it off;
2. the source account's service-linked role ``AWSServiceRoleForECRReplication``;
3. each cross-account destination registry's permissions policy, evaluated as IAM does (explicit deny wins,
   wildcards, ``NotAction``/``NotResource``; a grant that depends on a ``Condition`` is not provable): it must
   let the source account ``ecr:ReplicateImage`` and ``ecr:CreateRepository`` on every replicated prefix, or
   grant at least what the expected registry policy grants when the expected file carries one
   (``registryPolicies``, as the example stack exports and ``plan --json`` prints).

A registry that can't be read with its own account's credentials is reported as not checked, with the reason
and the option that would reach it: ``check`` never calls a registry healthy that it did not read.

Exit codes: 0 healthy (everything read and evaluated, nothing wrong); 1 findings; 3 no finding, but something
was not checked; 2 usage, credential or AWS errors.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path

from replication.cli import options, output
from replication.cli.errors import CliError
from replication.cli.findings import Finding, NotChecked
from replication.cli.live import read_rules, source_registry
from replication.cli.sessions import AccountSession, AwsError, Sessions, Unreachable, error_code, read_failure
from replication.ecr_semantics import (Registry, Rule, UnsupportedRuleError, account_root_arn, registry_of_host,
                                       replicated_prefixes, replication_differences, rule_layout, rules_from_api)
from replication.iam_policy import (PolicyDocumentError, Requirement, declared_requirements, parse_policy,
                                    replication_requirements, unmet)

SERVICE_LINKED_ROLE = "AWSServiceRoleForECRReplication"
"""The role ECR replication runs as in the source account (ECR user guide, "Using service-linked roles")."""

EXIT_HEALTHY, EXIT_FINDINGS, EXIT_NOT_CHECKED = 0, 1, 3
"""Exit codes of ``check`` (2, usage or AWS errors, is the CLI's)."""

DEPLOY = "run `pulumi up` on the stack that owns the EcrReplication component (one component per source registry)"
"""The fix for a source registry that replicates other than the stack declares."""


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


@dataclass(frozen=True)
class Expected:
    """What the stack declares: the rules, and where known the source registry and the registry policies."""

    rules: tuple[Rule, ...]
    source_registry_id: str | None
    source_region: str | None
    registry_policies: Mapping[Registry, str]


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``check`` sub-command."""
    parser = options.add_live_command(subparsers, "check", "compare live replication with the expected configuration",
                                      __doc__, run)
    parser.add_argument("--expected", type=Path, required=True, metavar="FILE",
                        help="JSON with a top-level replicationConfiguration (and optional sourceRegistryId, "
                             "sourceRegion, registryPolicies), e.g. the output of pulumi stack output --json "
                             "(with --show-secrets when account ids are secrets) or ecr-replication plan --json")
    options.add_destination_access(parser)


def run(args: argparse.Namespace) -> int:
    """Run ``check``, print its report and return its exit code."""
    expected = load_expected(args.expected)
    if args.region and expected.source_region and args.region != expected.source_region:
        raise CliError(f"--region {args.region}, but {args.expected} expects the source registry in "
                       f"{expected.source_region}; leave --region out")
    sessions = Sessions.from_args(args, expected.source_region)
    source = sessions.source()
    if expected.source_registry_id and expected.source_registry_id != source.account_id:
        raise CliError(f"the source credentials are for account {source.account_id}, but {args.expected} expects "
                       f"source registry {expected.source_registry_id}")
    report = Report()
    compare_configuration(source, expected.rules, report)
    check_service_linked_role(source, report)
    wanted = replicated_prefixes(expected.rules)
    for destination in sorted(wanted):
        if destination.account_id != source.account_id:
            check_registry_policy(sessions, source.account_id, destination, wanted[destination],
                                  expected.registry_policies.get(destination), report)
    print_report(report, args.json)
    return report.exit_code


def load_expected(path: Path) -> Expected:
    """The expected document; ``CliError`` when it can't be read or has no ``replicationConfiguration``."""
    try:
        document = json.loads(path.read_text())
    except (OSError, ValueError) as error:
        raise CliError(f"cannot read expected configuration {path}: {error}") from error
    if not isinstance(document, dict) or not isinstance(document.get("replicationConfiguration"), dict):
        raise CliError(f"{path} has no top-level replicationConfiguration object")
    try:
        rules = rules_from_api(document["replicationConfiguration"])
    except (UnsupportedRuleError, KeyError, TypeError, AttributeError) as error:
        raise CliError(f"{path}: replicationConfiguration is not AWS's shape ({error})") from None
    policies = document.get("registryPolicies", (document.get("outputs") or {}).get("registryPolicies")) or {}
    by_registry = {registry: text for host, text in policies.items()
                   if (registry := registry_of_host(host)) is not None and isinstance(text, str)}
    return Expected(rules, document.get("sourceRegistryId"), document.get("sourceRegion"), by_registry)


def compare_configuration(source: AccountSession, expected: tuple[Rule, ...], report: Report) -> None:
    """Findings when the live rules replicate other than ``expected`` does; a note when only the layout differs."""
    where = f"registry {source_registry(source)}"
    try:
        live = read_rules(source)
    except CliError as error:
        cause = error.__cause__  # the botocore error read_rules translated, if it was one
        fix = (read_failure(cause, source.account_id, "ecr:DescribeRegistry", source.access, "check").fix
               if isinstance(cause, AwsError) else "allow ecr:DescribeRegistry to the source credentials")
        report.not_checked.append(NotChecked(where, f"its replication configuration can't be read: {error}", fix))
        return
    if not live:
        report.findings.append(Finding(where, "has no replication configuration", DEPLOY))
        return
    for number, rule in enumerate(live, start=1):
        if rule.delete_replication:
            report.findings.append(Finding(
                where, f"rule {number} has deleteReplication enabled, which the component can't declare "
                       "(pulumi-aws has no such argument yet): the next `pulumi up` turns it off",
                "keep deletions unreplicated, or manage this registry's replication outside the component"))
    differences = replication_differences(live, expected)
    if differences:
        report.findings.append(Finding(where, "replicates other than expected: " + "; ".join(map(str, differences)),
                                       DEPLOY))
    elif rule_layout(live) != rule_layout(expected):
        report.notes.append(f"{where} replicates as expected with {len(live)} rule(s) laid out differently from the "
                            f"component's {len(expected)}; the next `pulumi up` rewrites them to its layout")


def check_service_linked_role(source: AccountSession, report: Report) -> None:
    """A finding when the replication service-linked role is missing from the source account."""
    where = f"account {source.account_id}"
    try:
        source.client("iam").get_role(RoleName=SERVICE_LINKED_ROLE)
    except AwsError as error:
        if error_code(error) == "NoSuchEntity":
            report.findings.append(Finding(
                where, f"service-linked role {SERVICE_LINKED_ROLE} does not exist, so ECR can't replicate",
                "run `aws iam create-service-linked-role --aws-service-name replication.ecr.amazonaws.com` "
                "(the first PutReplicationConfiguration normally creates it)"))
        else:
            failure = read_failure(error, source.account_id, "iam:GetRole", source.access, "check")
            report.not_checked.append(NotChecked(where, f"the service-linked role can't be read: {failure.reason}",
                                                 failure.fix))


def check_registry_policy(sessions: Sessions, source_account: str, destination: Registry, prefixes: frozenset[str],
                          expected_policy: str | None, report: Report) -> None:
    """Findings for a cross-account destination's registry policy, read with that account's own credentials."""
    where = f"registry {destination}"
    session = sessions.account(destination.account_id, destination.region)
    if isinstance(session, Unreachable):
        report.not_checked.append(NotChecked(where, f"its registry policy was not read: {session.reason}", session.hint))
        return
    try:
        text = session.client("ecr", destination.region).get_registry_policy()["policyText"]
    except AwsError as error:
        if error_code(error) == "RegistryPolicyNotFoundException":
            report.findings.append(Finding(where, f"has no registry policy, so replication from {source_account} is "
                                                  "denied", _grant_fix(source_account, destination, prefixes)))
        else:
            failure = read_failure(error, destination.account_id, "ecr:GetRegistryPolicy", session.access, "check")
            report.not_checked.append(NotChecked(where, f"its registry policy can't be read: {failure.reason}",
                                                 failure.fix))
        return
    report.findings += registry_policy_findings(text, source_account, destination, prefixes, expected_policy)


def registry_policy_findings(policy_text: str, source_account: str, destination: Registry, prefixes: frozenset[str],
                             expected_policy: str | None = None) -> list[Finding]:
    """What a destination's live registry policy fails to let the source account do, evaluated as IAM does."""
    where = f"registry {destination}"
    fix = _grant_fix(source_account, destination, prefixes)
    try:
        statements = parse_policy(policy_text)
    except PolicyDocumentError as error:
        return [Finding(where, f"its registry policy can't be evaluated: {error}", fix)]
    requirements = _requirements(source_account, destination, prefixes, expected_policy)
    return [Finding(where, f"the registry policy {decision.says(source_account)} {requirement}: {decision.explain()}",
                    fix)
            for requirement, decision in unmet(statements, source_account, destination.partition, requirements)]


def _requirements(source_account: str, destination: Registry, prefixes: frozenset[str],
                  expected_policy: str | None) -> tuple[Requirement, ...]:
    """What the live policy must grant: what the expected policy grants the source account when there is one (it
    may be the least-privilege kind), else replication's needs on every replicated prefix."""
    if expected_policy is not None:
        try:
            declared = declared_requirements(parse_policy(expected_policy), source_account, destination.partition)
        except PolicyDocumentError:
            declared = ()
        if declared:
            return declared
    return replication_requirements(destination, prefixes)


def _grant_fix(source_account: str, destination: Registry, prefixes: frozenset[str]) -> str:
    resources = ", ".join(destination.repository_arn(f"{p}*") for p in sorted(prefixes))
    return (f"add to the registry policy of {destination} a statement allowing principal "
            f"{account_root_arn(source_account, destination.partition)} the actions ecr:ReplicateImage and "
            f"ecr:CreateRepository on {resources} (the EcrReplication component writes it)")


def print_report(report: Report, as_json: bool) -> None:
    """Print the report on stdout: every finding, everything not checked, notes, and the verdict. AWS error text
    quoted in a reason is redacted on its way out (the CLI prints through :class:`output.RedactingStream`)."""
    if as_json:
        document = {
            "healthy": report.exit_code == EXIT_HEALTHY,
            "findings": [asdict(f) for f in report.findings],
            "notChecked": [asdict(n) for n in report.not_checked],
            "notes": report.notes,
        }
        output.print_json(document)
        return
    lines = [f"{f.where}: {f.problem}\n  fix: {f.fix}" for f in report.findings]
    lines += [f"{n.where}: not checked: {n.reason}\n  to check it: {n.fix}" for n in report.not_checked]
    lines += [f"note: {note}" for note in report.notes]
    if report.exit_code == EXIT_HEALTHY:
        lines.append("healthy: live replication matches the expected configuration and every registry it needs was read")
    else:
        lines.append(f"{len(report.findings)} finding(s), {len(report.not_checked)} item(s) not checked")
    print("\n".join(lines))
