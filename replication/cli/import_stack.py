"""``ecr-replication import``: write the example stack's config for a live replication setup, and adopt it.

Reads the source registry's replication configuration in --region (DescribeRegistry) and, for every destination
registry its rules name, the registry policy (cross-account destinations), the repository creation templates and
the registry scanning configuration: each registry only with credentials verified (STS) to be in its own account
(--destination-role-arn / --destination-profile for other accounts, as for `check`).

Then it writes DIR/Pulumi.STACK.yaml for the project in DIR (the bundled program): the source, the destinations
grouped by account with their regions and prefixes (what each destination receives, not the rule layout), the
repository settings the creation templates and scanning configuration express, every other statement of each
registry policy as registryPolicyStatements, pulumi:disable-default-providers: [aws] and adopt: true, so the
first `pulumi up` imports the live resources instead of creating them. Before writing it runs the program
offline on that config and compares what it declares with what was read: each resource is adopted as is, or
rewritten into a document that keeps everything live (said per resource), and nothing live is removed. An
existing stack file is only replaced with --force, which keeps its secrets provider and salt.

Refused, with one line per item and nothing written: a filter other than PREFIX_MATCH, deleteReplication,
creation template settings the component has no argument for (a custom role, resource tags, KMS, another
appliedFor) or that differ between a registry's templates, templates missing for a replicated prefix, ENHANCED
scanning or scanning rules the component can't declare, a registry policy statement or a template's repository
policy the component rejects (an Allow for "*", with NotPrincipal, or naming a service in a registry policy), a
cross-account destination without a registry policy, anything whose `pulumi up` would remove or change
something live.

Exit codes: 0 written; 1 refused: something live can't be declared (nothing written); 3 a registry could not be
read with its own account's credentials (nothing written); 2 usage, configuration, credential or AWS errors (also
when the stack file exists and --force is not given).
"""

from __future__ import annotations

import argparse
import logging
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import pulumi
import yaml

from replication.cli import options, output
from replication.cli.findings import NotChecked
from replication.cli.errors import CliError
from replication.cli.read_setup import read_setup, registry_summary
from replication.cli.sessions import Sessions
from replication.errors import ReplicationConfigError
from replication.preview.runner import OfflineLookupError, OfflineRun, run_program_file
from replication.preview.stack_files import StackFileError, StackFiles, load_stack
from replication.stack.adoption_review import Review, review
from replication.stack.importer import ImportedConfig, LiveSetup, config_from_live
from replication.stack.schema import render_path
from replication.stack.writer import stack_file_text

EXIT_WRITTEN, EXIT_REFUSED, EXIT_NOT_READ = 0, 1, 3
"""Exit codes of ``import`` (2, usage or AWS errors, is the CLI's)."""

ADOPTING = 'README, "Adopting an existing setup"'


@dataclass
class Outcome:
    """What one run read, wrote or refused, for printing."""

    stack_file: Path
    read: list[str] = field(default_factory=list)
    not_read: list[NotChecked] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)
    review: Review | None = None
    to_add: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    written: bool = False

    @property
    def exit_code(self) -> int:
        """Not read first (nothing was judged about those registries), then refusals."""
        if self.not_read:
            return EXIT_NOT_READ
        return EXIT_REFUSED if self.refused else EXIT_WRITTEN


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``import`` sub-command."""
    parser = options.add_live_command(subparsers, "import", "write a stack config that adopts a live replication setup",
                                      __doc__, run)
    parser.add_argument("--stack", required=True, help="the stack whose Pulumi.<stack>.yaml to write")
    parser.add_argument("--cwd", type=Path, default=Path("."), metavar="DIR",
                        help="the Pulumi project folder of the bundled program (default: here)")
    parser.add_argument("--force", action="store_true", help="overwrite an existing Pulumi.<stack>.yaml")
    options.add_destination_access(parser)


def _project(args: argparse.Namespace) -> StackFiles:
    """The project in --cwd (its program and name), checked before anything is read from AWS."""
    try:
        return load_stack(args.cwd.resolve(), args.stack, stack_text="")
    except StackFileError as error:
        raise CliError(f"{error}; run import in the folder of the bundled program (Pulumi.yaml, __main__.py)") from None


def _check_target(path: Path, force: bool) -> None:
    if path.exists() and not force:
        raise CliError(f"{path} exists: pass --force to overwrite it")


def _stack_settings(path: Path) -> dict[str, Any]:
    """The top-level keys besides ``config`` of the stack file being overwritten (its secrets provider and salt:
    losing them would make the stack's secrets unreadable); none when there is no file."""
    if not path.exists():
        return {}
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as error:
        raise CliError(f"{path} can't be read to keep its secrets settings ({error}); move it away first") from None
    if not isinstance(document, dict):
        raise CliError(f"{path} is not a stack file (a YAML mapping); move it away first")
    return {key: value for key, value in document.items() if key != "config"}


def run(args: argparse.Namespace) -> int:
    """Run ``import``, print what it found and did, and return its exit code."""
    project = _project(args)
    target = args.cwd.resolve() / f"Pulumi.{args.stack}.yaml"
    _check_target(target, args.force)
    outcome = Outcome(target)
    result = read_setup(Sessions.from_args(args))
    live = result.setup
    outcome.read = [f"registry {live.source}: replication configuration with {len(live.rules)} rule(s)"]
    outcome.read += [f"registry {r.registry}: {registry_summary(r, live.source.account_id)}" for r in live.registries]
    outcome.not_read = result.not_read
    if not outcome.not_read:
        _import(args, project, live, outcome)
    _print(outcome, args.json)
    return outcome.exit_code


def _import(args: argparse.Namespace, project: StackFiles, live: LiveSetup, outcome: Outcome) -> None:
    """Build, check offline and write the stack file, or record why not."""
    imported = config_from_live(live)
    outcome.notes += imported.notes
    if imported.refusals:
        outcome.refused += imported.refusals
        return
    header = [
        f"Stack {args.stack} of the EcrReplication example program, written by `ecr-replication import` from the",
        f"live replication of registry {live.source}, to adopt it ({ADOPTING}).",
        "Before `pulumi up`: give each account's provider a profile or roleArn (none was written).",
        f"After the first `pulumi up`: remove {project.project}:adopt.",
    ]
    text = stack_file_text(imported.values, header, project.project, _stack_settings(outcome.stack_file))
    files = load_stack(args.cwd.resolve(), args.stack, stack_text=text)
    checked = _declared(files, imported)
    if isinstance(checked, str):
        outcome.refused.append(checked)
        return
    outcome.review = review(live, checked)
    if outcome.review.removals:
        outcome.refused += outcome.review.removals
        return
    _check_target(outcome.stack_file, args.force)
    outcome.stack_file.write_text(text, encoding="utf-8")
    outcome.written = True
    outcome.to_add = _credentials_to_add(imported, project.project)


def _declared(files: StackFiles, imported: ImportedConfig) -> OfflineRun | str:
    """The program's offline run on the would-be config, or the one line saying why the component rejects it."""
    logging.getLogger("asyncio").setLevel(logging.CRITICAL)  # a failed output is reported once, below
    try:
        return run_program_file(files.program, files.project, files.stack, files.config, files.secret_keys)
    except ReplicationConfigError as error:
        entry = re.search(r":destinations\[(\d+)\]", error.field)
        read_from = ""
        if entry is not None and int(entry[1]) < len(imported.entries):
            read_from = f" (read from registry {', '.join(map(str, imported.entries[int(entry[1])]))})"
        return f"the component rejects what was read{read_from}: {error}"
    except (OfflineLookupError, pulumi.RunError) as error:
        raise CliError(f"{files.program} can't run offline: {str(error).splitlines()[0]}") from None
    except Exception as error:  # noqa: BLE001 the program may raise anything: report it in one line
        raise CliError(f"{files.program} failed offline: {type(error).__name__}: {error}") from None


def _credentials_to_add(imported: ImportedConfig, namespace: str) -> list[str]:
    """Where each account's provider gets its credentials: the source entry, then each other account's first
    destination entry (entries of one account share a provider)."""
    values = imported.values
    source = values["source"]["accountId"]
    lines = [f"{render_path(['source'], namespace)}: profile or roleArn for account {source}"]
    seen = {source}
    for index, entry in enumerate(values["destinations"]):
        if entry["accountId"] not in seen:
            seen.add(entry["accountId"])
            lines.append(f"{render_path(['destinations', index], namespace)}: profile or roleArn for account "
                         f"{entry['accountId']}")
    return lines


def _print(outcome: Outcome, as_json: bool) -> None:
    """The run's report on stdout, as text or JSON (redacted on its way out, as everything the CLI prints)."""
    outcomes = outcome.review.outcomes if outcome.review is not None and outcome.written else []
    if as_json:
        document = {
            "stackFile": str(outcome.stack_file),
            "written": outcome.written,
            "read": outcome.read,
            "notRead": [asdict(n) for n in outcome.not_read],
            "refused": outcome.refused,
            "resources": [{"what": o.what, "name": o.name, "importId": o.import_id or None, "outcome": o.outcome}
                          for o in outcomes],
            "toAdd": outcome.to_add,
            "notes": outcome.notes,
        }
        output.print_json(document)
        return
    lines = ["Read (each registry with its own account's credentials):", *(f"  {line}" for line in outcome.read)]
    lines += [f"{n.where}: {n.reason}\n  to read it: {n.fix}" for n in outcome.not_read]
    lines += [f"can't adopt: {line}" for line in outcome.refused]
    lines += [f"note: {note}" for note in outcome.notes]
    if outcome.written:
        lines.append(f"Wrote {outcome.stack_file}. The first `pulumi up` (Pulumi 3.174.0 or later):")
        lines += [f"  {o.what}: {o.outcome}" + (f" (import id {o.import_id})" if o.import_id else "") for o in outcomes]
        lines.append("Still to add before `pulumi up` (without them each provider uses ambient credentials, pinned to "
                     "its account):")
        lines += [f"  {line}" for line in outcome.to_add]
        lines.append(f"After the first `pulumi up`, remove the adopt key ({ADOPTING}).")
    else:
        lines.append(f"nothing written: {len(outcome.refused)} item(s) can't be adopted, {len(outcome.not_read)} "
                     "item(s) not read")
    print("\n".join(lines))

