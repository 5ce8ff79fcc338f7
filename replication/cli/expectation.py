"""What a live command compares live state with, and how it reaches each account: ``--expected FILE`` or
``--stack NAME [--cwd DIR]``.

``--expected FILE`` is a JSON document: what ``ecr-replication plan --json`` or ``pulumi stack output --json``
prints. ``--stack NAME`` evaluates the stack's program offline exactly as ``ecr-replication plan --stack NAME
--cwd DIR --json`` does (:mod:`replication.cli.stack_plan`) and takes each account's credentials from the stack's
config: the ``profile`` and ``roleArn`` of its ``source``, ``destinations`` and ``pullThroughDestinations``
entries, as the example program's
aws providers deploy with them (an entry that names neither: the ambient credentials, as for its provider). An
option given for an account replaces what the stack says for it: ``--profile``/``--role-arn`` for the source,
``--destination-profile``/``--destination-role-arn ACCOUNT=...`` for another account. An encrypted (``secure:``)
``profile`` or ``roleArn`` can't be decrypted offline: that account is not checked, with a message naming the
config key and the option to pass, and is never read with other credentials instead.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from replication.cli.errors import CliError
from replication.cli.output import note
from replication.cli.sessions import Access, AccountAccess, AccountSession, Sessions, Unreachable

if TYPE_CHECKING:  # imported where used: they load the Pulumi SDK, which only --stack needs
    from replication.stack.config import AccountEntry, StackConfig


def add_options(parser: argparse.ArgumentParser, expected_help: str | None = None, required: bool = False,
                stack_help: str | None = None) -> None:
    """``--stack NAME`` and ``--cwd DIR`` and, with ``expected_help``, ``--expected FILE`` (one or the other;
    ``required``: one of them must be given). Both together is a usage error (exit 2). ``stack_help`` is what
    ``--stack`` does for a command that doesn't read AWS with it (``permissions``); :func:`project_of` reads them."""
    group = parser.add_argument_group("what the stack declares")
    choice = group.add_mutually_exclusive_group(required=required)
    if expected_help is not None:
        choice.add_argument("--expected", type=Path, metavar="FILE", help=expected_help)
    reads = ("compare with its plan; each account is read with its profile and roleArn from the stack's config"
             if expected_help is not None else
             "read the source registry in its region with the source's profile and roleArn from the stack's config")
    choice.add_argument("--stack", metavar="NAME",
                        help=stack_help or f"evaluate this stack offline as ecr-replication plan --stack NAME --json "
                                           f"does and {reads}, unless an option names other credentials for an account")
    group.add_argument("--cwd", type=Path, metavar="DIR", help="the stack's Pulumi project folder (default: here)")


def project_of(args: argparse.Namespace) -> Path | None:
    """The project folder of ``--stack`` (``--cwd``, else the current folder), resolved; ``None`` without
    ``--stack``, where ``--cwd`` is a usage error (it names the project of a stack)."""
    if args.stack is None:
        if args.cwd is not None:
            raise CliError("--cwd DIR is the project of --stack NAME: pass --stack too")
        return None
    return (args.cwd or Path(".")).resolve()


def one_configuration(document: Mapping[str, Any], label: str, otherwise: str) -> None:
    """``CliError`` unless the plan ``document`` declares exactly one replication configuration: the live commands
    (and ``permissions --stack``, which names their registries) read one source registry. ``otherwise`` says what to
    do instead."""
    configurations = document.get("replicationConfigurations") or []
    if len(configurations) != 1:
        registries = ", ".join(f"{c['sourceRegistryId']}/{c['sourceRegion']}" for c in configurations)
        raise CliError(f"{label} declares {len(configurations)} replication configurations"
                       + (f" ({registries})" if registries else "")
                       + f"; the live commands read one source registry: {otherwise}")


@dataclass(frozen=True)
class Expectation:
    """The expected configuration a run compares with, and how the stack reaches each account."""

    label: str | None = None
    """How messages name it: the file, or ``stack NAME``; ``None`` when neither was given."""
    document: Any = None
    """The parsed JSON document (from ``--stack``: the plan, ``plan --json``'s shape)."""
    source_access: AccountAccess | None = None
    """How the stack reaches the source account (``None``: the options and the ambient credentials)."""
    accounts: Mapping[str, AccountAccess] = field(default_factory=dict)
    """How the stack reaches every other account it declares."""

    def declared(self, key: str) -> str | None:
        """A top-level string of the document (``sourceRegistryId``, ``sourceRegion``), if it has one."""
        value = self.document.get(key) if isinstance(self.document, dict) else None
        return value if isinstance(value, str) else None

    def sessions(self, args: argparse.Namespace) -> Sessions:
        """The run's sessions: the options over the stack's credentials; the source registry in ``--region``, else
        in the declared ``sourceRegion``."""
        return Sessions.from_args(args, self.declared("sourceRegion"), self.source_access, self.accounts)

    def source(self, sessions: Sessions) -> AccountSession:
        """The source account's verified session, which must be the declared source registry's account (the
        document's ``sourceRegistryId``, when it has one); ``CliError`` otherwise."""
        source = sessions.source()
        declared_id = self.declared("sourceRegistryId")
        if declared_id and declared_id != source.account_id:
            raise CliError(f"the source credentials are for account {source.account_id}, but {self.label} expects "
                           f"source registry {declared_id}")
        return source


def from_args(args: argparse.Namespace) -> Expectation:
    """What ``--expected FILE`` or ``--stack NAME [--cwd DIR]`` give (an empty :class:`Expectation` without
    either); ``CliError`` when the file can't be read or the stack can't be evaluated."""
    project = project_of(args)
    if project is None:
        path: Path | None = getattr(args, "expected", None)
        return Expectation(str(path), read_document(path)) if path is not None else Expectation()
    return stack_expectation(args.stack, project, hasattr(args, "expected"))


def read_document(path: Path) -> Any:
    """The JSON document in ``path``."""
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError) as error:
        raise CliError(f"cannot read expected configuration {path}: {error}") from error


def stack_expectation(stack: str, cwd: Path, expected_option: bool) -> Expectation:
    """The stack's plan and the credentials its config gives each account (``expected_option``: whether the command
    also takes ``--expected FILE``, which an error may then suggest)."""
    from replication.cli import stack_plan

    evaluated = stack_plan.evaluated_stack(cwd.resolve(), stack)
    label = f"stack {stack}"
    one_configuration(evaluated.document, label, "pass --expected FILE with one" if expected_option else
                      "run the command without --stack, with --region and credentials of the source registry to read")
    if evaluated.config is None:
        note(f"note: {label}'s config has no {evaluated.document['project']}:source (the example program's keys, "
             "docs/configuration.md): each account is read with the options given for it, the source else with the "
             "ambient credentials")
        return Expectation(label, evaluated.document)
    source, accounts = stack_access(evaluated.config)
    return Expectation(label, evaluated.document, source, accounts)


def stack_access(config: StackConfig) -> tuple[AccountAccess, dict[str, AccountAccess]]:
    """How the stack's config reaches the source account, and each other account, as its providers do
    (:func:`replication.stack.config.credential_entries`)."""
    from replication.stack.config import credential_entries
    from replication.stack.schema import render_path

    def access(entry: AccountEntry) -> AccountAccess:
        if not entry.encrypted:
            given = [render_path((*entry.path, name), config.namespace)
                     for name, value in (("profile", entry.profile), ("roleArn", entry.role_arn)) if value]
            return Access(entry.profile, entry.role_arn, " and ".join(given), render_path(entry.path, config.namespace))
        keys = [render_path((*entry.path, name), config.namespace) for name in ("profile", "roleArn")
                if name in entry.encrypted]
        account = entry.account_id
        hint = ("pass --profile PROFILE or --role-arn ROLE_ARN" if account == config.source.account_id else
                f"pass --destination-role-arn {account}=ROLE_ARN or --destination-profile {account}=PROFILE")
        return Unreachable(account, f"{' and '.join(keys)} {'is' if len(keys) == 1 else 'are'} encrypted in the "
                                    "stack's config, which can't be decrypted offline", hint)

    accesses = {account: access(entry) for account, entry in credential_entries(config).items()}
    return accesses.pop(config.source.account_id), accesses
