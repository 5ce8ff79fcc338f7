"""``ecr-replication check``: compare live replication with the expected configuration and its prerequisites.

Checks that the source registry's replication configuration equals the expected one, that every
cross-account destination registry policy lets the source account replicate (``ecr:ReplicateImage`` and
``ecr:CreateRepository`` on the replicated prefixes), and that the service-linked role
``AWSServiceRoleForECRReplication`` exists in the source account. Exit 0 when healthy, 1 otherwise.
"""

from __future__ import annotations

import argparse
import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import botocore.exceptions

from replication.cli import output, sessions
from replication.cli.sessions import Clients, Credentials, translated_errors
from replication.cli.errors import CliError
from replication.cli.grants import missing_grants
from replication.cli.live import Destination, Rule, parse_rules

SERVICE_LINKED_ROLE = "AWSServiceRoleForECRReplication"
"""The role ECR replication runs as in the source account."""

EXIT_HEALTHY, EXIT_FINDINGS = 0, 1
"""Exit codes of ``check``."""


@dataclass(frozen=True)
class Finding:
    """One problem: where, what is wrong, and how to fix it."""

    where: str
    problem: str
    fix: str


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``check`` sub-command."""
    parser = sessions.add_live_command(subparsers, "check", "compare live replication with the expected configuration", __doc__ or "", run)
    parser.add_argument("--expected", type=Path, required=True, metavar="FILE",
                        help="JSON with top-level replicationConfiguration (and optional sourceRegistryId, sourceRegion), "
                             "e.g. from `pulumi stack output --json` or `ecr-replication plan --json`")
    parser.add_argument("--destination-profile", action="append", default=[], metavar="ACCOUNT=PROFILE",
                        help="profile for a destination account's registry policy (repeatable; default: source credentials)")
    parser.add_argument("--destination-role-arn", action="append", default=[], metavar="ACCOUNT=ARN",
                        help="role to assume for a destination account (repeatable)")


def run(args: argparse.Namespace) -> int:
    """Run ``check`` and print its findings."""
    expected = load_expected(args.expected)
    clients = sessions.source_clients(args, expected.get("sourceRegion"))
    source = clients.account_id()
    wanted_source = expected.get("sourceRegistryId")
    if wanted_source and wanted_source != source:
        raise CliError(f"the source credentials are for account {source}, but {args.expected} expects source registry {wanted_source}")
    rules = parse_rules(expected["replicationConfiguration"])
    destination_credentials = credentials_by_account(args.destination_profile, args.destination_role_arn)
    findings = compare_configuration(clients, rules) + check_service_linked_role(clients)
    for destination in sorted({d for rule in rules for d in rule.destinations if d.registry_id != source}):
        credentials = destination_credentials.get(destination.registry_id, Credentials(args.profile, args.role_arn))
        findings += check_registry_policy(clients, destination, rules, credentials)
    report(findings, args.json)
    return EXIT_FINDINGS if findings else EXIT_HEALTHY


def load_expected(path: Path) -> dict[str, Any]:
    """The expected document; ``CliError`` when it can't be read or lacks ``replicationConfiguration``."""
    try:
        document = json.loads(path.read_text())
    except (OSError, ValueError) as error:
        raise CliError(f"cannot read expected configuration {path}: {error}") from error
    if not isinstance(document, dict) or not isinstance(document.get("replicationConfiguration"), dict):
        raise CliError(f"{path} has no top-level replicationConfiguration object")
    return document


def credentials_by_account(profiles: list[str], role_arns: list[str]) -> dict[str, Credentials]:
    """Destination credentials from repeated ``ACCOUNT=PROFILE`` and ``ACCOUNT=ARN`` options."""
    named: dict[str, dict[str, str]] = {}
    for option, values in (("profile", profiles), ("role_arn", role_arns)):
        for value in values:
            account, sep, name = value.partition("=")
            if not sep or not account.isdigit() or len(account) != 12 or not name:
                raise CliError(f"expected ACCOUNT=VALUE with a 12-digit account id, got {value!r}")
            named.setdefault(account, {})[option] = name
    return {account: Credentials(**fields) for account, fields in named.items()}


def _normalized(rules: list[Rule]) -> list[tuple[tuple[Destination, ...], tuple[str, ...]]]:
    """Rules as comparable, order-free values."""
    return sorted((tuple(sorted(r.destinations)), tuple(sorted(r.prefixes))) for r in rules)


def compare_configuration(clients: Clients, expected: list[Rule]) -> list[Finding]:
    """Findings when the live replication rules differ from ``expected`` (rule and member order ignored)."""
    with translated_errors(clients.account, "ecr"):
        live = parse_rules(clients.client("ecr").describe_registry().get("replicationConfiguration"))
    where = f"registry {clients.account} ({clients.default_region})"
    fix = "run `pulumi up` on the stack that owns the EcrReplication component (one component per source registry)"
    if not live:
        return [Finding(where, "has no replication configuration", fix)]
    live_rules, expected_rules = _normalized(live), _normalized(expected)
    if live_rules == expected_rules:
        return []
    missing = [_describe(r) for r in expected_rules if r not in live_rules]
    extra = [_describe(r) for r in live_rules if r not in expected_rules]
    problem = "replication rules differ from the expected ones:" + "".join(
        [f" missing {m};" for m in missing] + [f" unexpected {e};" for e in extra]
    )
    return [Finding(where, problem.rstrip(";"), fix)]


def _describe(rule: tuple[tuple[Destination, ...], tuple[str, ...]]) -> str:
    """A rule in words for a finding."""
    destinations, prefixes = rule
    matched = ", ".join(repr(p) for p in prefixes) if prefixes else "every repository"
    return f"[{matched} -> {', '.join(map(str, destinations))}]"


def check_service_linked_role(clients: Clients) -> list[Finding]:
    """A finding when the replication service-linked role is missing from the source account."""
    with translated_errors(clients.account, "iam"):
        try:
            clients.client("iam").get_role(RoleName=SERVICE_LINKED_ROLE)
        except botocore.exceptions.ClientError as error:
            if sessions.error_code(error) != "NoSuchEntity":
                raise
            return [Finding(
                f"account {clients.account}",
                f"service-linked role {SERVICE_LINKED_ROLE} does not exist, so ECR can't replicate",
                "run `aws iam create-service-linked-role --aws-service-name replication.ecr.amazonaws.com` "
                "(the first PutReplicationConfiguration normally creates it)",
            )]
    return []


def check_registry_policy(source: Clients, destination: Destination, rules: list[Rule], credentials: Credentials) -> list[Finding]:
    """Findings for a cross-account destination's registry policy, read with ``credentials``."""
    where = f"registry {destination.registry_id} ({destination.region})"
    fix = (
        f"add to the registry policy of {where} a statement allowing principal arn:aws:iam::{source.account}:root "
        f"the actions ecr:ReplicateImage and ecr:CreateRepository on "
        f"arn:aws:ecr:{destination.region}:{destination.registry_id}:repository/<prefix>*"
    )
    clients = sessions.account_clients(credentials, destination.region, source.retry, destination.registry_id)
    with translated_errors(destination.registry_id, "ecr"):
        try:
            text = clients.client("ecr").get_registry_policy()["policyText"]
        except botocore.exceptions.ClientError as error:
            if sessions.error_code(error) == "RegistryPolicyNotFoundException":
                return [Finding(where, f"has no registry policy, so replication from {source.account} is denied", fix)]
            reason = sessions.describe_client_error(error, destination.registry_id, "ecr:GetRegistryPolicy")
            return [Finding(where, f"cannot read the registry policy: {reason}",
                            f"pass --destination-profile {destination.registry_id}=PROFILE or "
                            f"--destination-role-arn {destination.registry_id}=ARN allowed to read it")]
    prefixes = sorted({p for r in rules if destination in r.destinations for p in (r.prefixes or ("",))})
    gaps = missing_grants(json.loads(text), str(source.account), destination, prefixes)
    return [Finding(where, f"the registry policy does not grant {source.account} {gap}", fix) for gap in gaps]


def report(findings: list[Finding], as_json: bool) -> None:
    """Print the findings (or that all is healthy) on stdout."""
    if as_json:
        output.print_json({"healthy": not findings, "findings": [asdict(f) for f in findings]})
        return
    if not findings:
        print("healthy: live replication matches the expected configuration and its prerequisites are in place")
    for finding in findings:
        print(f"{finding.where}: {finding.problem}\n  fix: {finding.fix}")
