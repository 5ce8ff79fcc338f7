"""``ecr-replication permissions``: the least-privilege IAM policies a live command needs.

Prints the IAM policy document for each set of credentials COMMAND uses: source, for the credentials it reads the
source account with (they also read the destination registries in the source account), and destination, for the
credentials it reads each other destination account with (null when the command reads no other account): the
options' (--profile, --role-arn; --destination-role-arn, --destination-profile) or, with --stack, what the stack's
entries name. With --stack, every resource is scoped to that stack's registries and replicated prefixes, as
``ecr-replication plan --stack NAME --json`` declares them (the program evaluated offline); without it, to any
partition, account and region, with the resource types kept. ``import`` needs no --stack: every action it calls
is registry-level ("Resource": "*"), and a stack it hasn't written yet is refused.

verify acts on its canary repositories (a rule's first prefix + ecr-replication-canary; with --stack their exact
names in each registry). ``verify --repository NAME`` pushes to NAME instead, for the rules that replicate it, and
reads it in their destinations: ``permissions verify --repository NAME`` (repeatable) grants that too.

The documents come from one table of what each command calls (replication/cli/command_calls.py), checked against
every call the CLI's tests make. "Resource": "*" only for actions the Service Authorization Reference gives no
resource type. sts:GetCallerIdentity, which every command calls to verify credentials, needs no permission, and
sts:AssumeRole on a role a command assumes is a permission of the credentials it is assumed from: neither is in
these documents.

Exit codes: 0 printed; 2 usage or configuration errors (a stack that can't be evaluated, or whose registries its
offline plan can't name).
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from replication.cli import expectation, output, stack_plan
from replication.cli.canaries import CANARY_NAME, check_name, choose_canaries
from replication.cli.command_calls import LIVE_COMMANDS, NO_PERMISSION_NEEDED, Call, Resource, Side, calls_of
from replication.cli.errors import CliError
from replication.cli.live_spokes import expected_spokes
from replication.cli.options import help_text
from replication.documents import POLICY_VERSION, iam_policy_size
from replication.ecr_semantics import (EVERY_REPOSITORY, Registry, Rule, minimal_prefixes, replicated_prefixes,
                                       replication_role_arn, rules_from_api)
from replication.errors import SECRET
from replication.limits import ACCOUNT_ID_PATTERN, MAX_ROLE_INLINE_POLICY_CHARS

if TYPE_CHECKING:  # imported where used: it loads the Pulumi SDK, which only --stack needs
    from replication.stack.config import StackConfig

ASSUME_ROLE_NOTE = ("sts:AssumeRole on each role the command assumes (--role-arn, --destination-role-arn, a stack's "
                    "roleArn): a permission of the credentials the role is assumed from, whose trust policy must "
                    "trust them")
"""Why ``sts:AssumeRole`` is in none of the documents."""

REPOSITORY_NOTE = ("any other repository `verify --repository NAME` pushes its canary to and reads it in, in the "
                   "source and each destination: print the documents with --repository NAME (repeatable) for those "
                   "runs")
"""What ``permissions verify`` grants only with ``--repository``."""

_SUFFIXES = {
    Resource.REGISTRY: "Registry",
    Resource.REPOSITORY_LIST: "RepositoryList",
    Resource.REPLICATED: "ReplicatedRepositories",
    Resource.CANARY: "CanaryRepositories",
    Resource.REPLICATION_ROLE: "ReplicationRole",
}
"""The end of a statement's Sid: what its resources are."""


@dataclass(frozen=True)
class Scope:
    """The registries the documents name: one stack's, or any (no source registry)."""

    source: Registry | None = None
    rules: tuple[Rule, ...] = ()
    """The source registry's replication rules, as the stack's plan declares them."""
    stack: str | None = None
    widened: frozenset[Registry] = frozenset()
    """Registries named by every repository instead of their replicated prefixes (to fit IAM's quota)."""
    spokes: frozenset[Registry] = frozenset()
    """The pull-through spoke registries."""
    upstreams: frozenset[Registry] = frozenset()
    """The registries spokes in other accounts cache from (the source, or destinations)."""
    credential_entries: Mapping[str, str] = field(default_factory=dict)
    """Each account's stack config entry the live commands take its credentials from (``ecr-replication:source``),
    as its provider does; empty when the stack's config has no example program's keys (then only the options give
    credentials)."""
    repositories: tuple[str, ...] = ()
    """The repositories ``verify --repository`` is run with (``permissions verify --repository``)."""
    without_repository: bool = True
    """Whether ``verify`` also runs without ``--repository`` (it can't where a rule's canary name is no repository
    name ECR takes, so only its ``--repository`` runs are granted then)."""

    @cached_property
    def destinations(self) -> Mapping[Registry, frozenset[str]]:
        """Each destination registry and the prefixes replicated to it (``""``: every repository)."""
        return replicated_prefixes(self.rules)

    def prefixes(self, registry: Registry) -> frozenset[str]:
        """The prefixes replicated from (the source) or to (a destination) ``registry``; every repository for a
        registry replication doesn't reach (a spoke)."""
        if registry in self.widened or (registry != self.source and registry not in self.destinations):
            return frozenset({EVERY_REPOSITORY})
        if registry == self.source:
            return minimal_prefixes(p for prefixes in self.destinations.values() for p in prefixes)
        return self.destinations[registry]

    def canary_repositories(self, registry: Registry | None) -> list[str]:
        """The names of the repositories ``verify`` acts on in ``registry`` (``None``: any registry), as it names
        them (:func:`replication.cli.canaries.choose_canaries`), run without ``--repository`` and with each of
        :attr:`repositories` (not without it, unless :attr:`without_repository`): in the source every canary, in a
        destination those that replicate to it. Without a
        stack, any canary (``*ecr-replication-canary``) and each of :attr:`repositories`, anywhere."""
        if registry is None or self.source is None:
            return sorted({f"*{CANARY_NAME}", *self.repositories})
        runs = ((None,) if self.without_repository else ()) + self.repositories
        return sorted({canary.repository for repository in runs
                       for canary in choose_canaries(self.rules, repository, self.source)
                       if registry == self.source or registry in canary.destinations})

    def in_source_account(self, registry: Registry) -> bool:
        """Whether a registry is in the source account (it is read with the source credentials)."""
        return self.source is not None and registry.account_id == self.source.account_id

    def registries(self, side: Side) -> list[Registry]:
        """The registries calls of ``side`` (not the source's own) read, sorted."""
        if side is Side.SPOKE:
            return sorted(self.spokes)
        if side is Side.UPSTREAM:
            return sorted(self.upstreams)
        return sorted(self.destinations)


@dataclass(frozen=True)
class Grant:
    """Actions on resources, under a statement id."""

    sid: str
    actions: frozenset[str]
    resources: tuple[str, ...]


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add the ``permissions`` command."""
    parser = subparsers.add_parser(
        "permissions", help="print the least-privilege IAM policies a live command needs",
        description=help_text(__doc__), formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("live_command", choices=LIVE_COMMANDS, metavar="COMMAND",
                        help=f"the command to print the policies of: {', '.join(LIVE_COMMANDS)}")
    expectation.add_options(parser, stack_help="scope the resources to this stack's registries and replicated "
                                               "prefixes, as its program evaluated offline declares them")
    parser.add_argument("--repository", action="append", default=[], metavar="NAME",
                        help="verify only: also grant what `verify --repository NAME` does on NAME, in the source "
                             "and every registry it replicates to (repeatable)")
    parser.add_argument("--json", action="store_true",
                        help='print {"source": <policy>, "destination": <policy or null>} on stdout')
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Print the command's policies; 0, or a ``CliError`` for a stack that can't be read."""
    project = expectation.project_of(args)
    repositories = tuple(dict.fromkeys(args.repository))
    if repositories and args.live_command != "verify":
        raise CliError(f"--repository is verify's option: `ecr-replication permissions verify --repository NAME` "
                       f"grants what `verify --repository NAME` needs; `{args.live_command}` takes none")
    for repository in repositories:
        check_name(repository)
    scope = (stack_scope(project, args.stack, args.live_command, repositories) if project is not None
             else Scope(repositories=repositories))
    documents, notes = fitted_documents(args.live_command, scope)
    if args.json:
        for line in notes:
            output.note(f"note: {line}")
        print(json.dumps(documents, indent=2))
    else:
        print(render_text(args.live_command, scope, documents, notes))
    return 0


def stack_scope(project: Path, stack: str, command: str, repositories: tuple[str, ...] = ()) -> Scope:
    """The registries of the stack's one replication configuration, as its offline plan declares them, and the
    config entries that give each account's credentials, for ``command`` (``verify``: also run with each of
    ``repositories`` as ``--repository``, which some rule must replicate, as ``verify`` requires; a stack whose
    canary names ECR refuses needs ``--repository``, as ``verify`` does).

    ``import`` writes a stack's config, so ``permissions import --stack`` of a stack it hasn't written yet (no
    ``<project>:source``) is an error that says to leave ``--stack`` out: every action ``import`` calls is
    registry-level (``"Resource": "*"``), so its documents name no registry anyway; a stack only drops the sides it
    doesn't have (the destination document when every registry is in the source account).
    """
    files = stack_plan.stack_files(project, stack, quiet=command == "import")
    if command == "import" and f"{files.project}:source" not in files.config:
        raise CliError(f"stack {stack} has no {files.project}:source yet (import writes it): run `ecr-replication "
                       "permissions import` without --stack; import's actions are all registry-level (\"Resource\": "
                       "\"*\"), so its documents name no registry anyway")
    evaluated = stack_plan.evaluated_stack(project, stack, files)
    document = evaluated.document
    expectation.one_configuration(document, f"stack {stack}", "run permissions without --stack for policies that "
                                                              "name no registry")
    source, region = document.get("sourceRegistryId"), document.get("sourceRegion")
    configuration = document.get("replicationConfiguration")
    if SECRET in json.dumps([source, region, configuration]) or not isinstance(configuration, dict):
        raise CliError(f"stack {stack}: its replication configuration names a secret (an account id given as a "
                       "secret), which the offline plan can't show, so the policies can't name its registries; run "
                       "permissions without --stack for policies that name none")
    if not ACCOUNT_ID_PATTERN.match(str(source)):
        raise CliError(f"stack {stack}: the source registry's account is not known offline ({source}): give its "
                       "provider allowedAccountIds, or run permissions without --stack")
    spokes = expected_spokes(document, f"stack {stack}")
    registry, rules = Registry(str(source), str(region)), rules_from_api(configuration)
    without_repository = True
    if command == "verify":  # what verify would refuse, before anything is printed
        try:
            choose_canaries(rules, None, registry)
        except CliError:
            if not repositories:
                raise
            without_repository = False
        for repository in repositories:
            choose_canaries(rules, repository, registry)
    return Scope(registry, rules, stack, spokes=frozenset(spoke.registry for spoke in spokes),
                 upstreams=frozenset(spoke.upstream for spoke in spokes if spoke.cross_account and spoke.upstream),
                 credential_entries=_credential_entries(evaluated.config), repositories=repositories,
                 without_repository=without_repository)


def _credential_entries(config: StackConfig | None) -> dict[str, str]:
    """Each account's entry its credentials come from (:func:`replication.stack.config.credential_entries`), as a
    config key; none without the example program's config."""
    if config is None:
        return {}
    from replication.stack.config import credential_entries
    from replication.stack.schema import render_path

    return {account: render_path(entry.path, config.namespace) for account, entry in credential_entries(config).items()}


def fitted_documents(command: str, scope: Scope) -> tuple[dict[str, dict[str, Any] | None], list[str]]:
    """The command's documents, and notes on how they were made to fit IAM's quota.

    A role's inline policies hold at most 10,240 characters (``limits.MAX_ROLE_INLINE_POLICY_CHARS``). When a
    document is larger, registries are named by every repository instead of each replicated prefix, one at a time,
    the one with the most prefixes first, until both fit (the same scope always gives the same documents).
    """
    documents, notes = policy_documents(command, scope), []
    registries = [*([scope.source] if scope.source else []), *scope.destinations]
    for registry in sorted(registries, key=lambda r: (-len(scope.prefixes(r)), r)):
        if all(iam_size(d) <= MAX_ROLE_INLINE_POLICY_CHARS for d in documents.values()):
            break
        wider = replace(scope, widened=scope.widened | {registry})
        if (widened := policy_documents(command, wider)) == documents:
            continue  # the command's documents don't name this registry's prefixes
        scope, documents = wider, widened
        notes.append(f"registry {registry}: every repository instead of each replicated prefix, so that the "
                     f"documents fit IAM's {MAX_ROLE_INLINE_POLICY_CHARS:,} characters")
    notes += [f"the {side} document has {iam_size(document):,} characters, more than a role's inline policies may "
              f"hold ({MAX_ROLE_INLINE_POLICY_CHARS:,}): split its statements over several policies"
              for side, document in documents.items() if iam_size(document) > MAX_ROLE_INLINE_POLICY_CHARS]
    return documents, notes


def iam_size(document: Mapping[str, Any] | None) -> int:
    """A document's size as IAM counts it against its quotas (none: 0)."""
    return iam_policy_size(json.dumps(document)) if document is not None else 0


def policy_documents(command: str, scope: Scope) -> dict[str, dict[str, Any] | None]:
    """``{"source": <policy>, "destination": <policy or None>}`` for ``command`` in ``scope``.

    Without a stack, a destination may be in any account: its calls go into the destination document, and those
    the source credentials make for a destination in the source account into the source document too.
    """
    source: list[Grant] = []
    destination: list[Grant] = []
    for call in calls_of(command):
        if call.side is Side.SOURCE:
            source.append(_grant("Source", call, [scope.source], scope))
            continue
        same_account = _SAME_ACCOUNT.get(call.side)
        if scope.source is None:
            destination.append(_grant("Destination", call, [None], scope))
            if same_account is not None:
                source.append(_grant(same_account, call, [None], scope))
            continue
        others = [r for r in scope.registries(call.side) if not scope.in_source_account(r)]
        own = [r for r in scope.registries(call.side) if scope.in_source_account(r)]
        if others:
            destination.append(_grant("Destination", call, others, scope))
        if own and same_account is not None:
            source.append(_grant(same_account, call, own, scope))
    return {"source": _document(source), "destination": _document(destination) if destination else None}


_SAME_ACCOUNT = {Side.DESTINATION: "SameAccountDestinations", Side.SPOKE: "SameAccountSpokes",
                 Side.UPSTREAM: "SameAccountUpstreams"}
"""The sides whose registries in the source account the source credentials read, and the start of their Sid."""

_OF_SIDE = {Side.DESTINATION: "destinations", Side.SPOKE: "spokes", Side.UPSTREAM: "spokes' upstreams"}
"""What the registries of a side are, in words."""


def _grant(label: str, call: Call, registries: Sequence[Registry | None], scope: Scope) -> Grant:
    """The grant of ``call`` on its resources in ``registries`` (``None``: any registry)."""
    resources = sorted({arn for registry in registries for arn in resource_arns(call.resource, registry, scope)})
    sid = "RegistryLevel" if resources == ["*"] else label + _SUFFIXES[call.resource]
    return Grant(sid, frozenset({call.action}), tuple(resources))


def resource_arns(resource: Resource, registry: Registry | None, scope: Scope) -> list[str]:
    """The ARNs of ``resource`` in ``registry`` (``None``: in any partition, region and account): the replicated
    repositories those under the prefixes ``scope`` replicates there, the canary ones those ``verify`` names there
    (resource formats: :mod:`replication.cli.command_calls`)."""
    if resource is Resource.REGISTRY:
        return ["*"]
    if resource is Resource.REPLICATION_ROLE:
        partition, account = (registry.partition, registry.account_id) if registry else ("*", "*")
        return [replication_role_arn(account, partition)]
    if resource is Resource.REPOSITORY_LIST:
        names = ["*"]
    elif resource is Resource.REPLICATED:
        names = sorted(f"{prefix}*" for prefix in (scope.prefixes(registry) if registry else {EVERY_REPOSITORY}))
    else:
        names = scope.canary_repositories(registry)
    # Wildcards may stand in any ARN segment but the service's (IAM JSON policy reference, "Resource").
    return [registry.repository_arn(name) if registry else f"arn:*:ecr:*:*:repository/{name}" for name in names]


def _document(grants: Sequence[Grant]) -> dict[str, Any]:
    """One policy: grants with the same resources share a statement (the first one's Sid), actions sorted."""
    merged: dict[tuple[str, ...], Grant] = {}
    for grant in grants:
        known = merged.get(grant.resources)
        merged[grant.resources] = replace(known, actions=known.actions | grant.actions) if known else grant
    statements = [{"Sid": g.sid, "Effect": "Allow", "Action": sorted(g.actions), "Resource": list(g.resources)}
                  for g in merged.values()]
    return {"Version": POLICY_VERSION, "Statement": statements}


def render_text(command: str, scope: Scope, documents: Mapping[str, dict[str, Any] | None],
                notes: Sequence[str]) -> str:
    """The readable output: for each set of credentials, why each action is there and the document; then what is
    in none of the documents."""
    calls = calls_of(command)
    sides = {call.side for call in calls} - {Side.SOURCE}
    named = f"--repository {', '.join(scope.repositories)}"
    runs = f"`ecr-replication {command}`" + (
        "" if not scope.repositories else f" (also with {named})" if scope.without_repository else f" with {named}")
    if scope.source is None:
        lines = [f"IAM policies for {runs} in any stack (any partition, account and region; --stack NAME names one "
                 "stack's registries)"]
        own_sides, other_sides = set(_SAME_ACCOUNT) & sides, sides
        others = "each other destination" + (" or spoke" if {Side.SPOKE, Side.UPSTREAM} & sides else "") + " account"
        accounts: list[str] = []
    else:
        lines = [f"IAM policies for {runs} in stack {scope.stack} (source registry {scope.source})"]
        own_sides = _sides_reaching(scope, set(_SAME_ACCOUNT) & sides, in_source_account=True)
        other_sides = _sides_reaching(scope, sides, in_source_account=False)
        others, accounts = _other_accounts(scope, sides)
    source_account = f"account {scope.source.account_id}" if scope.source else "the source account"
    source_keys = ([scope.credential_entries[scope.source.account_id]]
                   if scope.source and scope.credential_entries else [])
    lines += ["", f"source: for the credentials `{command}` reads {source_account} with "
                  f"{_given_by(scope, source_keys, '--profile, --role-arn')}"]
    lines += _why([(c, f" of {_OF_SIDE[c.side]} in the source account" if c.side is not Side.SOURCE else "")
                   for c in calls if c.side is Side.SOURCE or c.side in own_sides])
    lines += [json.dumps(documents["source"], indent=2), ""]
    if documents["destination"] is None:
        lines.append("destination: none: " + (f"every destination{' and spoke' * bool(scope.spokes)} registry of stack "
                                              f"{scope.stack} is in the source account" if sides
                                              else f"`{command}` reads no other account"))
    else:
        keys = [scope.credential_entries[account] for account in accounts if account in scope.credential_entries]
        lines.append(f"destination: for the credentials `{command}` reads {others} with "
                     f"{_given_by(scope, keys, '--destination-role-arn, --destination-profile')}")
        lines += _why([(c, f" of {_OF_SIDE[c.side]}" if c.side in (Side.SPOKE, Side.UPSTREAM) else "")
                       for c in calls if c.side in other_sides])
        lines.append(json.dumps(documents["destination"], indent=2))
    lines += ["", "not in these documents:"]
    lines += [f"  {action}: {why}" for action, why in NO_PERMISSION_NEEDED.items()]
    lines.append(f"  {ASSUME_ROLE_NOTE}")
    if command == "verify":
        lines.append(f"  {REPOSITORY_NOTE}")
    lines += [f"note: {note}" for note in notes]
    return "\n".join(lines)


def _sides_reaching(scope: Scope, sides: set[Side], *, in_source_account: bool) -> set[Side]:
    """The ``sides`` with a registry of the stack in the source account (``in_source_account``) or in another: those
    whose calls the source document, or the destination document, grants."""
    return {side for side in sides
            if any(scope.in_source_account(registry) == in_source_account for registry in scope.registries(side))}


def _other_accounts(scope: Scope, sides: set[Side]) -> tuple[str, list[str]]:
    """``destination account 222222222222 and spoke account 444444444444``: the accounts other than the source's
    whose registries the command reads, in words and as a list."""
    def listed(kind: str, accounts: Sequence[str]) -> str:
        return f"{kind} account{'s' * (len(accounts) > 1)} {', '.join(accounts)}"

    destinations = sorted({d.account_id for d in scope.destinations if not scope.in_source_account(d)})
    spokes = sorted({s.account_id for s in scope.spokes if not scope.in_source_account(s)} - set(destinations))
    spokes = spokes if {Side.SPOKE, Side.UPSTREAM} & sides else []
    parts = [listed("destination", destinations)] * bool(destinations) + [listed("spoke", spokes)] * bool(spokes)
    return " and ".join(parts), destinations + spokes


def _given_by(scope: Scope, keys: Sequence[str], options: str) -> str:
    """Where the credentials come from: the stack config entries ``keys`` name them unless ``options`` do (the live
    commands read a stack's credentials so, :mod:`replication.cli.expectation`), else the options."""
    if not keys:
        return f"({options})"
    entries = " and ".join(dict.fromkeys(keys))
    return (f"what {entries} name{'s' * (len(set(keys)) == 1)} in stack {scope.stack} (profile and roleArn, else the "
            f"ambient credentials), unless {options.replace(', ', ' or ')} name others")


def _why(rows: Sequence[tuple[Call, str]]) -> list[str]:
    """A table of the actions of ``rows`` (each call, and what follows its resource: whose registries): on what,
    and why."""
    table = [(call.action, call.resource.value + of, call.why) for call, of in rows]
    return ["  " + line for line in output.render_table(("ACTION", "ON", "WHY"), table).splitlines()]
