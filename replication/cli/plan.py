"""``ecr-replication plan``: what a stack declares, per account and region, and what the guardrails say.

Offline: the Pulumi program runs in the SDK's mock mode with the stack's config, lookups are answered from each
provider's own settings, and the policy pack judges the registrations over the analyzer protocol the Pulumi CLI
uses. It shows what the program declares, not a diff against live state (that is ``pulumi preview``).

Exit codes: 0 no mandatory violation (advisories allowed); 1 a mandatory violation; 2 a usage or configuration
error.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

from replication.cli.errors import CliError, internal_error
from replication.cli.options import help_text
from replication.cli.startup import paused_gc

EXIT_CLEAN, EXIT_MANDATORY = 0, 1
"""Exit codes: no mandatory violation (advisories allowed), at least one mandatory violation."""

PACK_FILE = "PulumiPolicy.yaml"


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add the ``plan`` command."""
    parser = subparsers.add_parser(
        "plan",
        help="show offline what a stack declares in each account and region, and run the guardrails",
        description=help_text((__doc__ or "").split("\n\n", 1)[1]),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--stack", default="dev", metavar="STACK",
                        help="the stack, [organization/][project/]name as for the Pulumi CLI, whose "
                             "Pulumi.<name>.yaml to use (.yml, .json: the project file's extension; default: dev)")
    parser.add_argument("--cwd", type=Path, default=Path("."), help="the Pulumi project folder (default: here)")
    parser.add_argument("--json", action="store_true", help="print one machine-readable JSON document")
    parser.add_argument("--policy-config", type=Path, help="a policy config file, as for pulumi --policy-pack-config")
    parser.add_argument("--policy-pack", type=Path, help="the policy pack folder (default: <cwd>/policies)")
    parser.add_argument("--no-policies", action="store_true", help="skip the policy pack")
    parser.add_argument(
        "--color", choices=("auto", "always", "never"), default="auto", help="colour the output (default: auto)"
    )
    parser.set_defaults(func=run)


def _policy_config(path: Path | None) -> dict[str, Any] | None:
    if path is None:
        return None
    try:
        config = json.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise CliError(f"{path}: {error.strerror}") from None
    except json.JSONDecodeError as error:
        raise CliError(f"{path}: not valid JSON: {error.msg} at line {error.lineno}") from None
    if not isinstance(config, dict):
        raise CliError(f"{path}: a policy config is a JSON object of policy names")
    return config


def _pack_dir(requested: Path | None, project: Path) -> Path:
    """The pack to run: ``--policy-pack``, else the project's ``policies/`` when it is a Python pack, else the one
    this package carries. plan runs packs as the Python language host does, so only Python packs."""
    from replication.cli.output import note
    from replication.preview.analyzer import bundled_pack_dir

    if requested is not None:
        runtime = _pack_runtime(requested)
        if runtime is None:
            raise CliError(f"{requested}: not a policy pack (no {PACK_FILE})")
        if runtime != "python":
            raise CliError(f"{requested}: a {runtime} policy pack; plan runs Python packs only (run it with "
                           "pulumi preview --policy-pack)")
        return requested
    own = project / "policies"
    runtime = _pack_runtime(own)
    if runtime == "python":
        return own
    if runtime is not None:
        note(f"note: {own} is a {runtime} policy pack, which plan can't run; using the bundled guardrails "
             "(run yours with pulumi preview --policy-pack)")
    bundled = bundled_pack_dir()
    if bundled is not None and (bundled / PACK_FILE).is_file():
        return bundled
    raise CliError("no policy pack found: pass --policy-pack DIR, or --no-policies")


def _pack_runtime(folder: Path) -> str | None:
    """The runtime a pack folder's PulumiPolicy.yaml names (``None`` when there is no pack there)."""
    import yaml

    try:
        document = yaml.safe_load((folder / PACK_FILE).read_text(encoding="utf-8")) or {}
    except OSError:
        return None
    except yaml.YAMLError:
        raise CliError(f"{folder / PACK_FILE}: not valid YAML") from None
    runtime = document.get("runtime") if isinstance(document, dict) else None
    name = runtime.get("name") if isinstance(runtime, dict) else runtime
    return str(name) if name else "unknown-runtime"


@contextlib.contextmanager
def _pack_errors(args: argparse.Namespace) -> Iterator[None]:
    """A policy config the pack refuses, or a pack that fails, as one line."""
    from replication.preview.analyzer import PolicyConfigError, PolicyPackError

    try:
        yield
    except PolicyConfigError as error:
        raise CliError(f"{args.policy_config or 'policy config'}: {error}") from None
    except PolicyPackError as error:
        # One line: what failed, and the last thing the pack said (a traceback's last line is its error).
        lines = [line.strip() for line in str(error).splitlines() if line.strip()]
        said = f" {lines[-1]}" if len(lines) > 1 else ""
        raise CliError(f"the policy pack failed: {lines[0] if lines else error}{said}") from None


def _open_pack(args: argparse.Namespace, project: Path, cleanup: contextlib.ExitStack) -> tuple[Any, Future[Any] | None]:
    """The policy pack to judge the stack with (``None`` with ``--no-policies``), started, or still starting.

    The pack this package carries runs in this process (the same SDK code, no subprocess, no gRPC) and starts
    at once, so a policy config mistake stops the plan before the program runs. Any other pack
    (``--policy-pack``, or the project's own ``policies/``) runs in its own process as the CLI runs it; that takes
    a second or so, so it starts in the background (the returned future) while the program is evaluated.
    ``cleanup`` waits for a background start and stops the pack, whatever happens.
    """
    if args.no_policies:
        return None, None
    from replication.preview.analyzer import open_pack

    pack = open_pack(_pack_dir(args.policy_pack, project), config=_policy_config(args.policy_config))
    cleanup.callback(pack.stop)
    if pack.in_process:
        with _pack_errors(args):
            pack.start()
        return pack, None
    starter = cleanup.enter_context(ThreadPoolExecutor(max_workers=1, thread_name_prefix="policy-pack"))
    return pack, starter.submit(pack.start)


def _diagnostics(args: argparse.Namespace, pack: Any, starting: Future[Any] | None, run: Any) -> list[Any] | None:
    """The pack's findings on the registrations, as ``pulumi preview --policy-pack`` would get them."""
    if pack is None:
        return None
    from replication.preview.analyzer import stack_resources

    with _pack_errors(args):
        if starting is not None:
            starting.result()
        return pack.preview(stack_resources(run.resources))


def run(args: argparse.Namespace) -> int:
    """Evaluate the stack, run the pack, print the report; exit 1 on a mandatory violation."""
    with paused_gc(), _errors_as_json(args.json):  # paused_gc: a bounded run, one evaluation and one pack
        return _plan(args)


@contextlib.contextmanager
def _errors_as_json(enabled: bool) -> Iterator[None]:
    """With ``--json``, an error also prints as a JSON document on stdout (see :func:`error_document`), so a
    program reading stdout gets JSON either way; the error then goes on, to its line on stderr and its exit code."""
    try:
        yield
    except BrokenPipeError:
        raise
    except Exception as error:
        if enabled:
            print(json.dumps(error_document(error), indent=2, sort_keys=True))
        raise


def error_document(error: Exception) -> dict[str, Any]:
    """``{"error": {"message": ..., "key": ...}}``: the message of the stderr line, and the config key (or
    component argument path) a configuration error names, else ``null``."""
    from replication.errors import ReplicationConfigError

    known = isinstance(error, (CliError, ReplicationConfigError))
    message = str(error) if known else internal_error(error)
    key = error.field if isinstance(error, ReplicationConfigError) else None
    return {"error": {"message": message, "key": key}}


def _plan(args: argparse.Namespace) -> int:
    from replication.cli import stack_plan
    from replication.preview.report import build_report, render_text

    project = args.cwd.resolve()
    files = stack_plan.stack_files(project, args.stack)
    with contextlib.ExitStack() as cleanup:
        pack, starting = _open_pack(args, project, cleanup)
        evaluated = stack_plan.evaluate(files)
        diagnostics = _diagnostics(args, pack, starting, evaluated)
    report = build_report(files.project, files.stack, evaluated, diagnostics)
    if args.json:
        print(json.dumps(report, indent=2, sort_keys=True))
    else:
        color = args.color == "always" or (args.color == "auto" and sys.stdout.isatty() and "NO_COLOR" not in os.environ)
        sys.stdout.write(render_text(report, color=color))
    return EXIT_MANDATORY if report["summary"]["mandatory"] else EXIT_CLEAN
