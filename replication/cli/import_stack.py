"""``ecr-replication import``: write the example stack's config for a live replication setup, and adopt it.

Reads the source registry's replication configuration in --region (DescribeRegistry) and, for every destination
registry its rules name, the registry policy (cross-account destinations), the repository creation templates and
the registry scanning configuration; with --spoke ACCOUNT/REGION (repeatable), that pull-through spoke registry's
cache rules, templates and scanning configuration, and the registry policy in the source account a spoke in another
account caches from: each registry only with credentials verified (STS) to be in its own account
(--destination-role-arn / --destination-profile for other accounts, spoke accounts too, as for `check`).

Then it writes Pulumi.STACK.yaml for the example program (replication.stack.program) in the project in DIR
(in the project's stackConfigDir, with the project file's extension, .yml or .json, as the Pulumi CLI reads it;
STACK is the name of --stack [organization/][project/]name), or, in a folder without a project file, creates that
project too (Pulumi.yaml named ecr-replication, python runtime,
and a __main__.py running the installed package's program): the source, the destinations grouped by account with
their regions and prefixes (what each destination receives, not the rule layout), the repository settings the
creation templates and scanning configuration express, every other statement of each registry policy as
registryPolicyStatements, the spokes as pullThroughDestinations (only the rules whose upstream is an ECR registry
of this setup: the source or a destination; a rule with another upstream isn't the stack's, and is left alone),
pulumi:disable-default-providers: [aws] and adopt: true, so the first `pulumi up`
imports the live resources instead of creating them. Before writing it runs the program offline on that config
and compares what it declares with what was read: each resource is adopted as is, or rewritten into a document
that keeps everything live (said per resource), and nothing live is removed. An existing stack file is only
replaced with --force, which replaces the program's namespace and keeps the rest: the stack's secrets settings,
other namespaces' keys, and each account's profile and roleArn (matched by accountId, else by the account a
roleArn names, and the source entry's to the source); it copies the old file to Pulumi.STACK.yaml.bak (or .bak.2,
...) first, then replaces it in one step, and stderr says what it kept, what it replaced and where the copy is.

Refused, with one line per item and nothing written: a filter other than PREFIX_MATCH, deleteReplication,
creation template settings the component has no argument for (a custom role, resource tags, KMS, another
appliedFor) or that differ between a registry's templates, templates missing for a replicated prefix, ENHANCED
scanning or scanning rules the component can't declare, a registry policy statement or a template's repository
policy the component rejects (an Allow for "*", with NotPrincipal, or naming a service in a registry policy), a
cross-account destination without a registry policy, a spoke's ECR rules the component can't declare (an upstream
that is neither the source nor a destination, another layout than one rule per replicated prefix with the same
prefix on both sides, a missing rule, a role on a rule in its upstream's account), an upstream in the source
account without the registry policy that holds a spoke's grant, anything whose `pulumi up` would remove or change
something live.

Exit codes: 0 written; 1 refused: something live can't be declared (nothing written); 3 a registry could not be
read (nothing written); 2 usage, configuration, credential or AWS errors (also when the stack file exists and
--force is not given).
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import re
import tempfile
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path

import pulumi

from replication.cli import options, output
from replication.cli.findings import NotChecked
from replication.cli.errors import CliError
from replication.cli.read_setup import read_setup, registry_summary
from replication.cli.sessions import Sessions
from replication.ecr_semantics import Registry, parse_registry
from replication.errors import ReplicationConfigError
from replication.preview.runner import OfflineLookupError, OfflineRun, run_program_file
from replication.preview.stack_files import (StackArgumentError, StackFileError, StackFiles, load_stack,
                                             project_file)
from replication.preview.stack_name import StackNameError, parse_stack_name
from replication.regions import unknown_region_problem
from replication.stack import program
from replication.stack.adoption_review import Review, review
from replication.stack.importer import ImportedConfig, LiveSetup, config_from_live
from replication.stack.replaced_file import (ReplacedFile, accounts_without_credentials, read_replaced, summary,
                                             with_credentials)
from replication.stack.safe_write import back_up, write_atomically
from replication.stack.schema import NAMESPACE
from replication.stack.writer import stack_file_text

EXIT_WRITTEN, EXIT_REFUSED, EXIT_NOT_READ = 0, 1, 3
"""Exit codes of ``import`` (2, usage or AWS errors, is the CLI's)."""

ADOPTING = "docs/adopting.md"


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
    created: list[Path] = field(default_factory=list)
    """The project files written besides the stack file (a folder without a project)."""
    backup: Path | None = None
    """The copy of the stack file ``--force`` replaced."""

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
    parser.add_argument("--stack", required=True, metavar="STACK",
                        help="the stack, [organization/][project/]name as for the Pulumi CLI, whose "
                             "Pulumi.<name>.yaml to write (.yml, .json: the project file's extension)")
    parser.add_argument("--cwd", type=Path, default=Path("."), metavar="DIR",
                        help="the Pulumi project folder of the example program; without a Pulumi.yaml, import "
                             "creates the project (default: here)")
    parser.add_argument("--force", action="store_true",
                        help="replace an existing Pulumi.<stack>.yaml (keeping what the import doesn't write, and a "
                             "copy of the file)")
    parser.add_argument("--spoke", action="append", default=[], type=spoke_registry, metavar="ACCOUNT/REGION",
                        help="a pull-through spoke registry to adopt, read with its account's credentials (the "
                             "source's, or --destination-role-arn/--destination-profile for its account; repeatable)")
    options.add_destination_access(parser)


def spoke_registry(text: str) -> Registry:
    """``--spoke ACCOUNT/REGION`` as a registry; argparse reports anything else."""
    registry = parse_registry(text)
    if registry is None:
        raise argparse.ArgumentTypeError(f"expected ACCOUNT/REGION with a 12-digit account id, got {text!r}")
    if (problem := unknown_region_problem(registry.region)) is not None:
        raise argparse.ArgumentTypeError(f"{text!r}: {problem}")
    return registry


@dataclass(frozen=True)
class Project:
    """The project the stack file is for: the one in --cwd, or the one import creates there."""

    directory: Path
    namespace: str
    """The project's name: the config namespace the program reads."""
    files: dict[str, str]
    """The project files to create (``Pulumi.yaml``, ``__main__.py``): none for an existing project."""
    stack_file: Path
    """Where the project keeps the stack's file (its ``stackConfigDir`` honoured)."""


def _project(args: argparse.Namespace) -> Project:
    """The project in --cwd (its program and name), or the one to create there; checked before AWS is asked, and
    --stack before anything else."""
    try:
        stack = parse_stack_name(args.stack)
    except StackNameError as error:
        raise CliError(str(error)) from None
    directory = args.cwd.resolve()
    if project_file(directory) is None:
        if (directory / "__main__.py").exists():
            raise CliError(f"{directory} has a __main__.py but no Pulumi.yaml: run import in the project's folder, "
                           "or in one without a program (import creates the project)")
        try:
            stack.check_project(NAMESPACE, "the project import creates")
        except StackNameError as error:
            raise CliError(str(error)) from None
        return Project(directory, NAMESPACE, {"Pulumi.yaml": program.project_file(NAMESPACE),
                                              "__main__.py": program.PROGRAM_FILE},
                       directory / stack.file_name(".yaml"))
    try:
        files = load_stack(directory, args.stack, stack_text="{}")
    except StackArgumentError as error:
        raise CliError(str(error)) from None
    except StackFileError as error:
        raise CliError(f"{error}; run import in the example program's project folder, or in a folder without "
                       "Pulumi.yaml (import creates the project)") from None
    return Project(directory, files.project, {}, files.path)


def _check_target(path: Path, force: bool) -> None:
    if path.exists() and not force:
        raise CliError(f"{path} exists: pass --force to overwrite it")


def _replaced(path: Path, namespace: str) -> ReplacedFile | None:
    try:
        return read_replaced(path, namespace)
    except StackFileError as error:
        raise CliError(str(error)) from None


def run(args: argparse.Namespace) -> int:
    """Run ``import``, print what it found and did, and return its exit code."""
    project = _project(args)
    _check_target(project.stack_file, args.force)
    outcome = Outcome(project.stack_file)
    result = read_setup(Sessions.from_args(args), list(dict.fromkeys(args.spoke)))
    live = result.setup
    policy = ""
    if live.source_policy_read:
        policy = ", no registry policy" if live.source_policy is None else ", a registry policy"
    outcome.read = [f"registry {live.source}: replication configuration with {len(live.rules)} rule(s){policy}"]
    outcome.read += [f"registry {r.registry}: {registry_summary(r, live.source.account_id)}" for r in live.registries]
    outcome.read += [f"registry {r.registry}: {registry_summary(r, live.source.account_id, spoke=True)}"
                     for r in live.spokes]
    outcome.not_read = result.not_read
    if not outcome.not_read:
        _import(args, project, live, outcome)
    _print(outcome, args.json)
    return outcome.exit_code


def _import(args: argparse.Namespace, project: Project, live: LiveSetup, outcome: Outcome) -> None:
    """Build, check offline and write the stack file (and the project, if there is none), or record why not."""
    imported = config_from_live(live)
    outcome.notes += imported.notes
    if imported.refusals:
        outcome.refused += imported.refusals
        return
    replaced = _replaced(outcome.stack_file, project.namespace)
    values: dict[str, object] = dict(imported.values)
    kept: list[str] = []
    gone: list[str] = []
    if replaced is not None:
        values, kept, gone = with_credentials(imported.values, replaced, project.namespace)
    to_add = accounts_without_credentials(values, project.namespace)
    header = [
        f"Stack {args.stack} of the EcrReplication example program, written by `ecr-replication import` from the",
        f"live replication of registry {live.source}, to adopt it ({ADOPTING}).",
        *(["Before `pulumi up`: give a profile or roleArn to each account's provider that has none",
           "(import writes none of the credentials that read)."] if to_add else []),
        f"After the first `pulumi up`: remove {project.namespace}:adopt.",
    ]
    text = stack_file_text(values, header, project.namespace, replaced.settings if replaced else None,
                           replaced.config if replaced else None, as_json=outcome.stack_file.suffix == ".json")
    try:
        with _offline_project(project, args.stack, text) as files:
            checked = _declared(files, imported)
    except StackFileError as error:  # what the replaced file kept that the Pulumi CLI can't load (.inf in config)
        raise CliError(f"the stack file import would write can't be read: {error}") from None
    if isinstance(checked, str):
        outcome.refused.append(checked)
        return
    outcome.review = review(live, checked)
    if outcome.review.removals:
        outcome.refused += outcome.review.removals
        return
    _check_target(outcome.stack_file, args.force)
    project.directory.mkdir(parents=True, exist_ok=True)
    for name, content in project.files.items():
        _write_new(project.directory / name, content)
        outcome.created.append(project.directory / name)
    _write(outcome, text)
    outcome.written = True
    outcome.to_add = to_add
    if replaced is not None and outcome.backup is not None:
        for line in summary(replaced, outcome.stack_file, kept, [*replaced.unmatched, *gone], outcome.backup):
            output.note(line)


def _write(outcome: Outcome, text: str) -> None:
    """Write the stack file in one step (its folder made if it is a stackConfigDir not made yet, as the Pulumi CLI
    makes it), after copying the file it replaces: nothing the user wrote is lost without a copy."""
    path = outcome.stack_file
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        if path.exists():
            outcome.backup = back_up(path)
        write_atomically(path, text)
    except OSError as error:
        kept = f", and a copy is in {outcome.backup}" if outcome.backup else ""
        raise CliError(f"{path} could not be written ({error.strerror or error}): it is as it was{kept}") from None


def _write_new(path: Path, text: str) -> None:
    """Write a file of the project ``import`` creates, whole or not at all (``safe_write.write_atomically``)."""
    try:
        write_atomically(path, text)
    except OSError as error:
        raise CliError(f"{path} could not be written ({error.strerror or error})") from None


@contextlib.contextmanager
def _offline_project(project: Project, stack: str, text: str) -> Iterator[StackFiles]:
    """The project with ``text`` as its stack file, loaded as ``plan`` loads it; a project still to create is
    written to a scratch folder first, so the files import will write are the ones checked."""
    if not project.files:
        yield load_stack(project.directory, stack, stack_text=text)
        return
    with tempfile.TemporaryDirectory(prefix="ecr-replication-import-") as scratch:
        for name, content in project.files.items():
            (Path(scratch) / name).write_text(content, encoding="utf-8")
        yield load_stack(Path(scratch), stack, stack_text=text)


def _declared(files: StackFiles, imported: ImportedConfig) -> OfflineRun | str:
    """The program's offline run on the would-be config, or the one line saying why the component rejects it."""
    logging.getLogger("asyncio").setLevel(logging.CRITICAL)  # a failed output is reported once, below
    try:
        return run_program_file(files.program, files.project, files.stack, files.config, files.secret_keys)
    except ReplicationConfigError as error:
        entry = re.search(r":(destinations|pullThroughDestinations)\[(\d+)\]", error.field)
        entries = imported.entries if entry is None or entry[1] == "destinations" else imported.spoke_entries
        read_from = ""
        if entry is not None and int(entry[2]) < len(entries):
            read_from = f" (read from registry {', '.join(map(str, entries[int(entry[2])]))})"
        return f"the component rejects what was read{read_from}: {error}"
    except (OfflineLookupError, pulumi.RunError) as error:
        raise CliError(f"{files.program} can't run offline: {str(error).splitlines()[0]}") from None
    except Exception as error:  # noqa: BLE001 the program may raise anything: report it in one line
        raise CliError(f"{files.program} failed offline: {type(error).__name__}: {error}") from None


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
            "created": [str(path) for path in outcome.created],
            "backup": str(outcome.backup) if outcome.backup else None,
        }
        output.print_json(document)
        return
    lines = ["Read (each registry with its own account's credentials):", *(f"  {line}" for line in outcome.read)]
    lines += [f"{n.where}: {n.reason}\n  to read it: {n.fix}" for n in outcome.not_read]
    lines += [f"can't adopt: {line}" for line in outcome.refused]
    lines += [f"note: {note}" for note in outcome.notes]
    if outcome.written:
        if outcome.created:
            lines.append(f"Created {' and '.join(map(str, outcome.created))}: a project running the example program "
                         "of the installed package (replication.stack.program).")
        lines.append(f"Wrote {outcome.stack_file}. The first `pulumi up` (Pulumi 3.174.0 or later):")
        lines += [f"  {o.what}: {o.outcome}" + (f" (import id {o.import_id})" if o.import_id else "") for o in outcomes]
        if outcome.to_add:
            lines.append("Still to add before `pulumi up` (without them each provider uses ambient credentials, "
                         "pinned to its account):")
            lines += [f"  {line}" for line in outcome.to_add]
        lines.append(f"After the first `pulumi up`, remove the adopt key ({ADOPTING}).")
    else:
        lines.append(f"nothing written: {len(outcome.refused)} item(s) can't be adopted, {len(outcome.not_read)} "
                     "item(s) not read")
    print("\n".join(lines))

