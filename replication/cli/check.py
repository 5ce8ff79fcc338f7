"""``ecr-replication check``: is live replication what the stack declares, and can it work?

Reads, each with credentials verified (by STS) to be in that registry's own account:

1. the source registry's replication configuration, compared by what it replicates (each destination's set of
   prefixes), not by rule layout; a live rule with ``deleteReplication`` enabled is a finding too, because the
   component can't declare it and the next ``pulumi up`` turns it off, and so is one with a filter other than
   ``PREFIX_MATCH``, which the component can't declare either (and this package can't compare);
2. the source account's service-linked role ``AWSServiceRoleForECRReplication``;
3. each cross-account destination registry's permissions policy, evaluated as IAM does (explicit deny wins,
   wildcards, ``NotAction``/``NotResource``; a grant that depends on a ``Condition`` is not provable) for the role
   ECR replicates as, the source account's service-linked role (a ``Deny`` naming that role, the account or
   ``*`` takes replication away): it must let it ``ecr:ReplicateImage`` and ``ecr:CreateRepository`` on every
   replicated prefix, or grant at least what the expected registry policy grants when the expected file carries
   one (``registryPolicies``, as the example stack exports and ``plan --json`` prints); and its ``Allow``
   statements must name AWS accounts only, as the component, the pack and ``import`` require (no ``"*"``, no
   ``NotPrincipal``, no service);
4. with pull-through spokes (``pullThroughSpokes`` of ``ecr-replication plan --json``): each spoke registry's pull-
   through cache rules (``DescribePullThroughCacheRules``), compared rule by rule with the plan's: prefix, upstream
   registry URL, upstream prefix, and a role (``customRoleArn``) where the plan has one, in the registry's own
   account; each rule that is as expected validated by ECR (``ValidatePullThroughCacheRule``);
5. the registry policy of each registry a spoke in another account caches from (the source or a destination),
   evaluated as IAM does for that account: it must let it ``ecr:BatchGetImage``, ``ecr:GetDownloadUrlForLayer``,
   ``ecr:BatchImportUpstreamImage`` and ``ecr:GetImageCopyStatus`` on the cached prefixes (ECR user guide,
   "Setting up permissions for cross-account ECR to ECR PTC"; the rule the component applies, from
   ``iam_policy``).

A registry that can't be read with its own account's credentials is reported as not checked, with the reason
and the option that would reach it: ``check`` never calls a registry healthy that it did not read. Spoke accounts
are reached with the same options as destination accounts.

Exit codes: 0 healthy (everything read and evaluated, nothing wrong); 1 findings; 3 no finding, but something
was not checked; 2 usage, credential or AWS errors.
"""

from __future__ import annotations

import argparse
import functools
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from replication.cli import expectation, options, output
from replication.cli.aws_errors import AwsError, error_code
from replication.cli.errors import CliError
from replication.cli.findings import EXIT_HEALTHY, Finding, NotChecked, Report
from replication.cli.live import read_rules, source_registry
from replication.cli.live_spokes import ExpectedSpoke, check_spoke, expected_spokes
from replication.cli.sessions import AccountSession, Sessions, Unreachable
from replication.cli.side_by_side import in_order
from replication.ecr_semantics import (REPLICATION_ROLE_NAME, Registry, Rule, UnsupportedRuleError, registry_of_host,
                                       replicated_prefixes, replication_differences, rule_layout, rules_from_api)
from replication.iam_policy import (Caller, Decision, PolicyDocumentError, PolicyKind, Requirement, Verdict,
                                    account_caller, declared_requirements, parse_policy, principal_problems,
                                    pull_through_requirements, replication_caller, replication_requirements, unmet)
from replication.pull_through import GRANT_SID

DEPLOY = "run `pulumi up` on the stack that owns the EcrReplication component (one component per source registry)"
"""The fix for a source registry that replicates other than the stack declares."""

UNDECLARABLE_RULE = ("the component declares PREFIX_MATCH filters only, the one filterType pulumi-aws and botocore's "
                     "ECR model know: `pulumi up --refresh` on the stack that owns the EcrReplication component puts "
                     "the stack's rules back; to keep this rule, manage this registry's replication outside the "
                     "component")
"""The fix for a live rule the component can't declare: a filter other than ``PREFIX_MATCH`` (ECR API model,
``RepositoryFilterType``: ``PREFIX_MATCH`` only; pulumi-aws validates ``filterType`` against that enum, see
``replication/provider_schema.py``), which only an API newer than this package's could have written."""


@dataclass(frozen=True)
class Expected:
    """What the stack declares: the rules, and where known the registry policies (the source registry is the
    :class:`~replication.cli.expectation.Expectation`'s)."""

    rules: tuple[Rule, ...]
    registry_policies: Mapping[Registry, str]
    spokes: tuple[ExpectedSpoke, ...] = ()
    unknown_spokes: tuple[str, ...] = ()
    """Spoke registry hosts the file names without their rules (``pulumi stack output``'s
    ``pullThroughRegistries``): they are reported as not checked."""


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``check`` sub-command."""
    parser = options.add_live_command(subparsers, "check", "compare live replication with the expected configuration",
                                      __doc__, run)
    expectation.add_options(parser, required=True, expected_help=(
        "JSON with a top-level replicationConfiguration (and optional sourceRegistryId, sourceRegion, "
        "registryPolicies, pullThroughSpokes), e.g. the output of ecr-replication plan --json or pulumi stack output "
        "--json (with --show-secrets when account ids are secrets; it has no spokes' rules)"))
    options.add_destination_access(parser)


def run(args: argparse.Namespace) -> int:
    """Run ``check``, print its report and return its exit code."""
    given = expectation.from_args(args)
    expected = expected_of(given.document, str(given.label))
    declared_region = given.declared("sourceRegion")
    if args.region and declared_region and args.region != declared_region:
        raise CliError(f"--region {args.region}, but {given.label} expects the source registry in {declared_region}; "
                       "leave --region out")
    sessions = given.sessions(args)
    source = given.source(sessions)
    wanted = replicated_prefixes(expected.rules)
    cross_account = [d for d in sorted(wanted) if d.account_id != source.account_id]
    needs: dict[Registry, list[PolicyNeed]] = {
        destination: [replication_need(source.account_id, destination, wanted[destination],
                                       expected.registry_policies.get(destination))] for destination in cross_account}
    for upstream, grants in spoke_needs(expected.spokes).items():
        needs.setdefault(upstream, []).extend(grants)
    spoke_registries: dict[Registry, list[ExpectedSpoke]] = {}
    for spoke in expected.spokes:
        spoke_registries.setdefault(spoke.registry, []).append(spoke)
    sessions.accounts([*needs, *spoke_registries])
    report = gathered([
        functools.partial(compare_configuration, source, expected.rules),
        functools.partial(check_service_linked_role, source),
        *(functools.partial(check_registry_policy, sessions, registry, needs[registry], registry in cross_account)
          for registry in sorted(needs)),
        *(functools.partial(check_spoke, sessions, registry, spokes) for registry, spokes in spoke_registries.items()),
    ])
    report.not_checked += [NotChecked(f"registry {host}", "its pull-through cache rules were not compared: the expected "
                                                          "file names the spoke registry but not its rules",
                                      "pass the output of `ecr-replication plan --json` as --expected")
                           for host in expected.unknown_spokes]
    print_report(report, args.json)
    return report.exit_code


def gathered(checks: Sequence[Callable[[Report], None]]) -> Report:
    """One report of ``checks``, run side by side (each reads its own registry), merged in the order given."""
    def checked(check: Callable[[Report], None]) -> Report:
        part = Report()
        check(part)
        return part

    report = Report()
    for part in in_order([functools.partial(checked, check) for check in checks]):
        report.findings += part.findings
        report.not_checked += part.not_checked
        report.notes += part.notes
    return report


def expected_of(document: Any, label: str) -> Expected:
    """What ``document`` (called ``label`` in messages) expects; ``CliError`` without a ``replicationConfiguration``."""
    if not isinstance(document, dict) or not isinstance(document.get("replicationConfiguration"), dict):
        raise CliError(f"{label} has no top-level replicationConfiguration object")
    try:
        rules = rules_from_api(document["replicationConfiguration"])
    except (UnsupportedRuleError, KeyError, TypeError, AttributeError) as error:
        raise CliError(f"{label}: replicationConfiguration is not AWS's shape ({error})") from None
    outputs = document.get("outputs") or {}
    policies = document.get("registryPolicies", outputs.get("registryPolicies")) or {}
    by_registry = {registry: text for host, text in policies.items()
                   if (registry := registry_of_host(host)) is not None and isinstance(text, str)}
    spokes = expected_spokes(document, label)
    hosts = document.get("pullThroughRegistries", outputs.get("pullThroughRegistries")) or []
    unknown = () if spokes or not isinstance(hosts, list) else tuple(str(host) for host in hosts)
    return Expected(rules, by_registry, spokes, unknown)


def compare_configuration(source: AccountSession, expected: tuple[Rule, ...], report: Report) -> None:
    """Findings when the live rules replicate other than ``expected`` does; a note when only the layout differs."""
    where = f"registry {source_registry(source)}"
    try:
        live = read_rules(source)
    except CliError as error:
        cause = error.__cause__  # the botocore error read_rules translated, or the rule it can't model
        if isinstance(cause, UnsupportedRuleError):
            report.findings.append(Finding(where, f"{cause}, which the component can't declare, so the stack did "
                                                  "not write this configuration", UNDECLARABLE_RULE))
        elif isinstance(cause, AwsError):
            fix = source.read_failure(cause, source.account_id, "ecr:DescribeRegistry").fix
            report.not_checked.append(NotChecked(where, f"its replication configuration can't be read: {error}", fix))
        else:
            raise
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
        source.client("iam").get_role(RoleName=REPLICATION_ROLE_NAME)
    except AwsError as error:
        if error_code(error) == "NoSuchEntity":
            report.findings.append(Finding(
                where, f"service-linked role {REPLICATION_ROLE_NAME} does not exist, so ECR can't replicate",
                "run `aws iam create-service-linked-role --aws-service-name replication.ecr.amazonaws.com` "
                "(the first PutReplicationConfiguration normally creates it)"))
        else:
            failure = source.read_failure(error, source.account_id, "iam:GetRole")
            report.not_checked.append(NotChecked(where, f"the service-linked role can't be read: {failure.reason}",
                                                 failure.fix))


@dataclass(frozen=True)
class PolicyNeed:
    """What a registry policy must let one principal do, and the words its findings use."""

    caller: Caller
    requirements: tuple[Requirement, ...]
    who: str
    """Who asks, as the policy's verdict names it: ``111111111111`` (the source account), ``account 444444444444``."""
    without: str
    """What fails when the registry has no policy: ``replication from 111111111111``."""
    statement: str
    """Where the component declares the grant, for the fix: ``(the EcrReplication component writes it)``."""


def replication_need(source_account: str, destination: Registry, prefixes: frozenset[str],
                     expected_policy: str | None) -> PolicyNeed:
    """What a cross-account destination's policy must let the role ECR replicates as do (:func:`_requirements`)."""
    caller = replication_caller(source_account, destination.partition)
    return PolicyNeed(caller, _requirements(caller, destination, prefixes, expected_policy), source_account,
                      f"replication from {source_account}", "(the EcrReplication component writes it)")


def spoke_needs(spokes: Sequence[ExpectedSpoke]) -> dict[Registry, list[PolicyNeed]]:
    """What each upstream's registry policy must let each account with spokes in another account do: what the
    component grants there (``iam_policy.pull_through_requirements`` for ``iam_policy.account_caller``, the rule
    ``pull_through.check_grants`` applies), on every prefix that account's spokes cache from it."""
    by_upstream: dict[Registry, dict[str, list[ExpectedSpoke]]] = {}
    for spoke in spokes:
        if spoke.cross_account and spoke.upstream is not None:
            by_upstream.setdefault(spoke.upstream, {}).setdefault(spoke.registry.account_id, []).append(spoke)
    needs: dict[Registry, list[PolicyNeed]] = {}
    for upstream, accounts in by_upstream.items():
        for account, of_account in sorted(accounts.items()):
            prefixes = [prefix for spoke in of_account for prefix in spoke.cached_prefixes()]
            registries = ", ".join(str(spoke.registry) for spoke in of_account)
            needs.setdefault(upstream, []).append(PolicyNeed(
                account_caller(account, upstream.partition), pull_through_requirements(upstream, prefixes),
                f"account {account}", f"the pull-through cache of spoke {registries}",
                f"(the EcrReplication component writes it as statement {GRANT_SID} where it manages this registry's "
                "policy)"))
    return needs


def check_registry_policy(sessions: Sessions, registry: Registry, needs: Sequence[PolicyNeed], principals: bool,
                          report: Report) -> None:
    """Findings for a registry's policy, read with that account's own credentials, against what each of ``needs``
    asks of it; with ``principals`` (a cross-account destination) also the statements whose principals the component
    refuses."""
    where = f"registry {registry}"
    session = sessions.account(registry.account_id, registry.region)
    if isinstance(session, Unreachable):
        report.not_checked.append(NotChecked(where, f"its registry policy was not read: {session.reason}", session.hint))
        return
    try:
        text = session.client("ecr", registry.region).get_registry_policy()["policyText"]
    except AwsError as error:
        if error_code(error) == "RegistryPolicyNotFoundException":
            report.findings += [Finding(where, f"has no registry policy, so {need.without} is denied",
                                        _grant_fix(need, registry, need.requirements)) for need in needs]
        else:
            failure = session.read_failure(error, registry.account_id, "ecr:GetRegistryPolicy")
            report.not_checked.append(NotChecked(where, f"its registry policy can't be read: {failure.reason}",
                                                 failure.fix))
        return
    report.findings += policy_findings(text, registry, needs, principals)


def registry_policy_findings(policy_text: str, source_account: str, destination: Registry, prefixes: frozenset[str],
                             expected_policy: str | None = None) -> list[Finding]:
    """What a destination's live registry policy fails to let the source account's replication role do, evaluated
    as IAM does (one finding per missing action and reason, naming every resource it is missing on), then each
    statement whose principals the component, the pack and ``import`` refuse (``iam_policy.principal_problems``)."""
    return policy_findings(policy_text, destination, [replication_need(source_account, destination, prefixes,
                                                                       expected_policy)], True)


def policy_findings(policy_text: str, registry: Registry, needs: Sequence[PolicyNeed], principals: bool) -> list[Finding]:
    """What ``registry``'s live policy fails to let each of ``needs`` do, evaluated as IAM does (one finding per
    caller, missing action and reason, naming every resource it is missing on); with ``principals``, then each
    statement whose principals the component, the pack and ``import`` refuse (``iam_policy.principal_problems``)."""
    where = f"registry {registry}"
    try:
        statements = parse_policy(policy_text)
    except PolicyDocumentError as error:
        return [Finding(where, f"its registry policy can't be evaluated: {error}",
                        " ".join(_grant_fix(need, registry, need.requirements) for need in needs))]
    findings = []
    for need in needs:
        missing: dict[tuple[str, Decision], list[Requirement]] = {}
        for requirement, decision in unmet(statements, need.caller, need.requirements):
            missing.setdefault((requirement.action, decision), []).append(requirement)
        findings += [Finding(where, f"the registry policy {decision.says(need.who)} {action} on "
                                    f"{_resources(unmet_here)}: {decision.explain()}",
                             _fix(decision, need, registry, unmet_here))
                     for (action, decision), unmet_here in missing.items()]
    if principals:
        root = needs[0].caller.account_root_arn
        findings += [Finding(where, f"registry policy statement {statement.label}: {problem}",
                             f"name the AWS accounts statement {statement.label} allows in its Principal (e.g. "
                             f"{{\"AWS\": \"{root}\"}}), or remove the statement")
                     for statement in statements for problem in principal_problems(statement, PolicyKind.REGISTRY)]
    return findings


def _requirements(caller: Caller, destination: Registry, prefixes: frozenset[str],
                  expected_policy: str | None) -> tuple[Requirement, ...]:
    """What the live policy must grant: what the expected policy grants the replication role when there is one (it
    may be the least-privilege kind), else replication's needs on every replicated prefix."""
    if expected_policy is not None:
        try:
            declared = declared_requirements(parse_policy(expected_policy), caller)
        except PolicyDocumentError:
            declared = ()
        if declared:
            return declared
    return replication_requirements(destination, prefixes)


def _resources(requirements: list[Requirement]) -> str:
    return ", ".join(str(requirement.resources) for requirement in requirements)


def _fix(decision: Decision, need: PolicyNeed, registry: Registry, requirements: list[Requirement]) -> str:
    """What makes the policy meet ``requirements`` (one action), given why it doesn't."""
    action, statements, caller = requirements[0].action, ", ".join(decision.statements), need.caller
    if decision.verdict is Verdict.DENIED:
        if caller.is_account_root:
            spared = f"doesn't deny {action} on {_resources(requirements)} to {caller.account_root_arn}"
        else:
            spared = (f"denies {action} on {_resources(requirements)} neither to {caller.account_root_arn} nor to "
                      f"{caller.arn}, the role ECR replicates as")
        return (f"narrow statement {statements} in the registry policy of {registry} so that it {spared} (an "
                "explicit Deny wins over every Allow)")
    if decision.verdict is Verdict.CONDITIONAL:
        return (f"conditions are not evaluated here, so statement {statements} proves nothing: grant "
                f"{caller.account_root_arn} {action} on {_resources(requirements)} in a statement without a "
                "Condition, and keep Deny statements with a Condition off these repositories")
    return _grant_fix(need, registry, requirements)


def _grant_fix(need: PolicyNeed, registry: Registry,
               requirements: tuple[Requirement, ...] | list[Requirement]) -> str:
    """Add a statement granting ``requirements`` (actions that need the same resources are named together)."""
    resources_of: dict[str, list[str]] = {}
    for requirement in requirements:
        resources_of.setdefault(requirement.action, []).append(str(requirement.resources))
    actions_on: dict[tuple[str, ...], list[str]] = {}
    for action, resources in resources_of.items():
        actions_on.setdefault(tuple(resources), []).append(action)
    grants = "; ".join(f"{' and '.join(actions)} on {', '.join(resources)}" for resources, actions in actions_on.items())
    return (f"add to the registry policy of {registry} a statement allowing principal {need.caller.account_root_arn} "
            f"{grants} {need.statement}")


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
