"""``ecr-replication verify``: push a canary image and prove it arrives in every replication destination.

For each rule of the live replication configuration it picks one repository the rule replicates: --repository
when the rule matches it, else the rule's first prefix followed by ``ecr-replication-canary``
(``ecr-replication-canary`` for a rule without filters), created in the source if missing. It pushes a tiny OCI
image built in memory through the ECR API (no Docker), tagged ``canary-<UTC time>``, and waits, with backoff, until
for every destination the image replicates to both hold: the source's DescribeImageReplicationStatus says
COMPLETE, and the image with the pushed digest is in that destination registry, read with credentials verified
(STS) to be in the destination's own account. Each destination's arrival is measured from the push. A check AWS
fails (a server error, throttling or a lost connection that outlasted botocore's retries) is noted on stderr and
made again at the next round, until the timeout; one AWS refuses (an access denial, a bad request) is final: the
source's status ends the run, a destination's image leaves that destination not verified.

With --expected (``ecr-replication plan --json``) or --stack it also compares the repository replication created with what
the plan declares for it: the matching creation template's tag mutability and exclusion filters, encryption type
and KMS key, lifecycle policy, repository policy and resource tags, and scan on push from the registry scanning
configuration. Templates act only when replication creates a repository, so on a destination repository that
existed before the push (one an earlier run left) the template settings are not checked.

Afterwards it deletes the canary image from the source and from every destination it could read (not with
--keep) and says which canary repositories remain and how to delete them.

A canary none of whose destinations can be read (no credentials given for their accounts, or credentials that reach
another account) is not pushed: nothing could be verified with it. Each of its destinations is reported not
verified, with the reason and the option that would reach it; when that is every canary, nothing is pushed at all.

Exit codes: 0 every destination verified; 1 a failure (a FAILED replication status, another digest under the
canary tag, a setting that differs from the plan); 3 no failure, but some destination not verified (the timeout
ran out, its credentials are missing or reach another account, or a declared setting was not checked); 2 usage,
credential or AWS errors.
"""

from __future__ import annotations

import argparse
import shlex
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from typing import Any

import botocore.exceptions

from replication.cli import expectation, options, output
from replication.cli.aws_errors import (AwsError, ReadFailure, describe_error, error_code, failed_by_aws,
                                        is_aws_failure, translated_errors)
from replication.cli.canary_image import PushError, build_canary_image, push_image
from replication.cli.canaries import CANARY_NAME, Canary, choose_canaries
from replication.cli.errors import CliError
from replication.cli.live import read_live_rules, source_registry
from replication.cli.replicated_settings import (MISMATCH, NOT_CHECKED, SECRET_REASON, Declared, SettingCheck, compare,
                                                 plan_of, read_live)
from replication.cli.sessions import AccountSession, Unreachable
from replication.ecr_semantics import Registry

TAG_FORMAT = "canary-%Y%m%dT%H%M%SZ"
"""The canary image's tag: ``canary-`` and the UTC time of the push."""

EXIT_VERIFIED, EXIT_FAILED, EXIT_NOT_VERIFIED = 0, 1, 3
"""Exit codes of ``verify`` (2, usage or AWS errors, is the CLI's)."""

VERIFIED, FAILED, NOT_VERIFIED = "VERIFIED", "FAILED", "NOT_VERIFIED"
"""The verdict on one destination, and on the run."""

COMPLETE, FAILED_STATUS, NOT_STARTED = "COMPLETE", "FAILED", "NOT_STARTED"
"""Replication states from DescribeImageReplicationStatus; NOT_STARTED stands for a destination AWS doesn't list."""

FIRST_POLL_DELAY, MAX_POLL_DELAY = 2.0, 10.0
"""Seconds between checks: the first delay, doubled each round up to the cap (arrival is measured to a check)."""

ABSENT_CODES = ("ImageNotFoundException", "RepositoryNotFoundException")
"""What a destination answers while the image has not arrived (the repository appears with the first image)."""

CHECK_HINT = ("run `{check}` (a registry policy without ecr:CreateRepository or ecr:ReplicateImage is the usual cause; "
              "the source account's CloudTrail shows the denied call)")
"""Where to look when replication fails or never starts; ``{check}`` is :func:`check_command`."""


def check_command(args: argparse.Namespace) -> str:
    """``ecr-replication check`` as this ``verify`` was run: the same stack (``--stack``, ``--cwd``) or expected file,
    else a stack to name, and the same credential options, so it reads the same accounts the same way."""
    words = ["ecr-replication", "check"]
    if args.stack:
        words += ["--stack", args.stack, *(["--cwd", str(args.cwd)] if args.cwd else [])]
    else:
        words += ["--expected", str(args.expected)] if args.expected else ["--stack", "STACK"]
    for option in ("profile", "role_arn", "region"):
        words += [f"--{option.replace('_', '-')}", value] if (value := getattr(args, option)) else []
    for option in ("destination_role_arn", "destination_profile"):
        for value in getattr(args, option):
            words += [f"--{option.replace('_', '-')}", value]
    return shlex.join(words)

COMPLETE_BUT_ABSENT_HINT = ("the source says the copy is done, so look at the destination side: read it with "
                            "credentials of that account (a role in another account reads another registry), check "
                            "that the repository was not deleted, and look for the image by digest; a denied "
                            "replication shows as FAILED, not COMPLETE")
"""Where to look when the source says COMPLETE but the image isn't where verify reads."""


@dataclass
class Destination:
    """What is known about the canary in one destination registry."""

    registry: Registry
    reader: AccountSession | Unreachable
    declared: Declared | None = None
    """What the plan declares for the repository here (``None`` without --expected)."""
    status: str = NOT_STARTED
    failure_code: str | None = None
    image: str | None = None
    """None (not read), ``present``, ``absent``, or the other digest found under the canary tag."""
    arrived_after: float | None = None
    missed_at: float = 0.0
    """Seconds after the push of the last check that did not find the image arrived (arrival lies between it and
    ``arrived_after``)."""
    read_problem: ReadFailure | None = None
    """Why the image could not be looked for."""
    existed_before: bool | None = None
    """Whether the repository was in the destination before the push (``None``: not read)."""
    existence_problem: ReadFailure | None = None
    """Why ``existed_before`` could not be read."""
    status_failure: ReadFailure | None = None
    """Why the last check of the source's replication status failed, when AWS failed it (``None`` once one
    succeeds): the next round asks again, until the timeout."""
    image_failure: ReadFailure | None = None
    """Why the last look for the image here failed, when AWS failed it (``None`` once one succeeds): the next round
    looks again, until the timeout."""
    timed_out: bool = False
    settings: list[SettingCheck] = field(default_factory=list)
    settings_fixes: dict[str, str] = field(default_factory=dict)
    """What would let a setting be read, by the reason it was not (``LiveSettings.fixes``)."""
    settings_note: str | None = None
    cleanup: str | None = None

    @property
    def unreachable(self) -> Unreachable | None:
        """Why the destination can't be read with its own account's credentials, if it can't."""
        return self.reader if isinstance(self.reader, Unreachable) else None

    @property
    def wrong_digest(self) -> bool:
        """Whether the canary tag names another image in the destination."""
        return self.image not in (None, "present", "absent")

    @property
    def verdict(self) -> str:
        """FAILED on any failure read; VERIFIED only when everything was read and is right."""
        if self.status == FAILED_STATUS or self.wrong_digest or any(s.state == MISMATCH for s in self.settings):
            return FAILED
        if (self.status == COMPLETE and self.image == "present" and not self.unreachable and not self.read_problem
                and not any(s.state == NOT_CHECKED for s in self.settings)):
            return VERIFIED
        return NOT_VERIFIED

    @property
    def final(self) -> bool:
        """Whether nothing more is to be learnt about the image here: it failed, arrived, or can't be read."""
        return (self.verdict == FAILED or self.read_problem is not None
                or (self.status == COMPLETE and self.image == "present"))

    @property
    def settled(self) -> bool:
        """Whether waiting longer can't make the destination verified (an unreachable one never is; its status is
        still followed while others are waited for, as a FAILED status there is a failure)."""
        return self.final or self.unreachable is not None


@dataclass
class Push:
    """One canary image pushed to one source repository, and its destinations."""

    canary: Canary
    tag: str
    digest: str = ""
    pushed_at: datetime | None = None
    started: float = 0.0
    repository_created: bool = False
    destinations: list[Destination] = field(default_factory=list)
    cleanup: str | None = None

    @property
    def verifiable(self) -> bool:
        """Whether some destination can be read with its own account's credentials, so pushing can verify it."""
        return any(not d.unreachable for d in self.destinations)

    @property
    def pushed(self) -> bool:
        """Whether the canary was pushed (it has the digest ECR accepted)."""
        return bool(self.digest)


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``verify`` sub-command."""
    parser = options.add_live_command(subparsers, "verify", "push a canary image and prove it arrives everywhere",
                                      __doc__, run)
    expectation.add_options(parser, expected_help=(
        "the output of ecr-replication plan --json: compare the replicated repository's settings with the creation "
        "templates and scanning configuration it declares"))
    parser.add_argument("--repository", help="push to this repository for every rule that matches it (default: "
                                             f"<first prefix>{CANARY_NAME} per rule); its IAM permissions: "
                                             "ecr-replication permissions verify --repository NAME")
    parser.add_argument("--timeout", type=options.parse_duration, default=options.parse_duration("30m"),
                        help="how long to wait for the image to arrive (default 30m; AWS says most images arrive "
                             "within 30 minutes)")
    parser.add_argument("--keep", action="store_true", help="keep the canary images (default: delete them at the end)")
    options.add_destination_access(parser)


def run(args: argparse.Namespace, clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        now: Callable[[], datetime] = lambda: datetime.now(timezone.utc)) -> int:
    """Run ``verify``, print its report and return its exit code; ``clock``, ``sleep`` and ``now`` (the UTC time
    of the push) are replaced in tests and benchmarks."""
    given = expectation.from_args(args)
    plan = plan_of(given.document, str(given.label)) if given.label is not None else None
    sessions = given.sessions(args)
    source = given.source(sessions)
    canaries = choose_canaries(read_live_rules(source), args.repository, source_registry(source))
    # What the plan declares is read before anything is created: a plan verify can't read stops the run here.
    declared = {(c.repository, d): plan.declared(d, c.repository)
                for c in canaries for d in c.destinations} if plan else {}
    opened = sessions.accounts(d for c in canaries for d in c.destinations)
    readers = {d: opened[d.account_id] for c in canaries for d in c.destinations}
    created = now()
    pushes = [Push(c, created.strftime(TAG_FORMAT), destinations=[
        Destination(d, readers[d], declared.get((c.repository, d))) for d in c.destinations]) for c in canaries]
    # A canary goes only where some destination can be read: nothing else could be verified with it.
    to_push = [push for push in pushes if push.verifiable]
    pairs = [(push, destination) for push in to_push for destination in push.destinations]
    if len(to_push) < len(pushes):
        output.note(f"not pushing {len(pushes) - len(to_push)} of {len(pushes)} canary image(s): no destination they "
                    "replicate to can be read with its own account's credentials")
    # Destination registries are read side by side.
    with ThreadPoolExecutor(max_workers=options.DEFAULT_MAX_WORKERS) as pool:
        verification = Verification(source, clock, sleep, pool)
        verification.each(record_existing, pairs)
        try:
            for push in to_push:
                verification.push(push, created)
            if to_push:
                verification.wait(to_push, args.timeout)
        except (CliError, KeyboardInterrupt):
            _abandon(source, pushes)
            raise
        verification.each(compare_settings, pairs)
        if not args.keep:
            verification.each(clean_destination, pairs)
            for push in to_push:
                push.cleanup = _delete_image(source, source_registry(source), push)
    code = exit_code(pushes)
    hint = CHECK_HINT.format(check=check_command(args))
    if args.json:
        output.print_json(as_json(source, pushes, code, args.keep, hint))
    else:
        print_text(source, pushes, code, args.keep, hint)
    return code


def record_existing(push: Push, destination: Destination) -> None:
    """Note whether the repository is already in the destination before the push (then templates won't act on it),
    or why that can't be told."""
    if isinstance(destination.reader, Unreachable):
        return
    ecr = destination.reader.client("ecr", destination.registry.region)
    try:
        ecr.describe_repositories(repositoryNames=[push.canary.repository])
        destination.existed_before = True
    except AwsError as error:
        if error_code(error) == "RepositoryNotFoundException":
            destination.existed_before = False
        else:
            destination.existence_problem = destination.reader.read_failure(error, destination.registry.account_id,
                                                                            "ecr:DescribeRepositories")


class Verification:
    """Pushes canaries and watches them arrive: the API calls, the clock and the waiting of one run."""

    def __init__(self, source: AccountSession, clock: Callable[[], float], sleep: Callable[[float], None],
                 pool: ThreadPoolExecutor) -> None:
        """Call AWS through ``source`` (and each destination's reader); measure with ``clock``, wait with ``sleep``;
        read destinations side by side in ``pool``."""
        self.source = source
        self.clock = clock
        self.sleep = sleep
        self.pool = pool

    def each(self, function: Callable[[Push, Destination], None], pairs: Sequence[tuple[Push, Destination]]) -> None:
        """``function`` on every (push, destination) pair, side by side (each touches only its destination); the
        first exception is raised."""
        for _ in self.pool.map(lambda pair: function(*pair), pairs):
            pass

    def push(self, push: Push, created: datetime) -> None:
        """Create the source repository if missing and push the canary image to it."""
        ecr = self.source.client("ecr")
        repository = push.canary.repository
        with translated_errors(self.source.account_id, "ecr"):
            try:
                ecr.describe_repositories(repositoryNames=[repository])
            except botocore.exceptions.ClientError as error:
                if error_code(error) != "RepositoryNotFoundException":
                    raise
                try:
                    ecr.create_repository(repositoryName=repository)
                except botocore.exceptions.ClientError as retried:
                    # A retry of this call, whose first attempt made the repository and lost its answer.
                    if error_code(retried) != "RepositoryAlreadyExistsException":
                        raise
                push.repository_created = True
                output.note(f"created repository {repository} in {source_registry(self.source)}")
            image = build_canary_image(created)
            try:
                push.digest = push_image(ecr, repository, image, push.tag)
            except PushError as error:
                raise CliError(f"pushing the canary to {repository}: {error}") from None
            except AwsError:
                push.digest = image.digest  # a call may have got through before its answer was lost: it may be there
                raise
        push.started = self.clock()
        push.pushed_at = created
        output.note(f"pushed {repository}:{push.tag} ({push.digest}) to {source_registry(self.source)}; "
                    f"waiting for {len(push.destinations)} destination(s)")

    def wait(self, pushes: Sequence[Push], timeout: float) -> None:
        """Check every destination, with backoff, until none can change any more or ``timeout`` runs out."""
        deadline = min(p.started for p in pushes) + timeout
        everyone = [d for p in pushes for d in p.destinations]
        progress = output.Progress()
        delay = FIRST_POLL_DELAY
        try:
            while True:
                for push in pushes:
                    self.check(push)
                waiting = [d for d in everyone if not d.settled]
                remaining = deadline - self.clock()
                if not waiting or remaining <= 0:
                    break
                pause = min(delay, remaining)
                done = len(everyone) - len(waiting)
                progress.update(done / len(everyone), f"{done}/{len(everyone)} waiting for "
                                f"{', '.join(f'{d.registry} ({d.status})' for d in waiting[:3])}"
                                f"{' …' if len(waiting) > 3 else ''}; next check in {pause:.0f}s")
                self.sleep(pause)
                delay = min(delay * 2, MAX_POLL_DELAY)
            done = len(everyone) - len(waiting)
            progress.update(done / len(everyone), f"{done}/{len(everyone)} {'done' if not waiting else 'timed out'}")
        finally:
            progress.close()
        late = [(p, d) for p in pushes for d in p.destinations if not d.settled]
        for _, destination in late:
            destination.timed_out = True
        # Say whether the image arrived at all where the source never reported COMPLETE.
        self.each(self.read_destination, [(p, d) for p, d in late if d.image != "present"])

    def check(self, push: Push) -> None:
        """Ask the source where the image stands, then read each destination the source calls COMPLETE."""
        open_ = [d for d in push.destinations if not d.final]
        if not open_:
            return
        try:
            with translated_errors(self.source.account_id, "ecr"):
                response = self.source.client("ecr").describe_image_replication_status(
                    repositoryName=push.canary.repository, imageId={"imageDigest": push.digest})
        except CliError as error:
            if (cause := failed_by_aws(error)) is None:  # an access denial, a bad request: no check can succeed
                raise
            failure = self.source.read_failure(cause, self.source.account_id, "ecr:DescribeImageReplicationStatus")
            output.note(f"{push.canary.repository}: {failure.reason}; asking again at the next check")
            for destination in open_:
                destination.status_failure = failure
            return
        reported = {Registry(s["registryId"], s["region"]): s for s in response.get("replicationStatuses", [])}
        for destination in open_:
            entry = reported.get(destination.registry, {})
            destination.status = entry.get("status", NOT_STARTED)
            destination.failure_code = entry.get("failureCode")
            destination.status_failure = None
        self.each(self.read_destination, [(push, d) for d in open_ if d.status == COMPLETE])
        for destination in open_:
            if not destination.final:
                destination.missed_at = self.clock() - push.started

    def read_destination(self, push: Push, destination: Destination) -> None:
        """Look for the canary tag in the destination with that account's credentials, and time its arrival."""
        if isinstance(destination.reader, Unreachable):
            return
        ecr = destination.reader.client("ecr", destination.registry.region)
        try:
            details = ecr.describe_images(repositoryName=push.canary.repository,
                                          imageIds=[{"imageTag": push.tag}])["imageDetails"]
        except AwsError as error:
            if error_code(error) in ABSENT_CODES:
                destination.image = "absent"
                destination.image_failure = None
                return
            failure = destination.reader.read_failure(error, destination.registry.account_id, "ecr:DescribeImages")
            if is_aws_failure(error):  # asked again at the next check
                destination.image_failure = failure
                output.note(f"{destination.registry}: {failure.reason}; asking again at the next check")
            else:  # an access denial, a bad request: no later check can read it either
                destination.read_problem = failure
            return
        destination.image_failure = None
        found = details[0]["imageDigest"] if details else None
        if found == push.digest:
            destination.image = "present"
            if destination.status == COMPLETE and destination.arrived_after is None:
                destination.arrived_after = self.clock() - push.started
                output.note(f"{destination.registry}: {push.canary.repository}:{push.tag} arrived after "
                            f"{_duration(destination.arrived_after)}")
        else:
            destination.image = found or "absent"


def compare_settings(push: Push, destination: Destination) -> None:
    """Compare the replicated repository's live settings with what the plan declares for it (template settings
    only on a repository replication created during this run)."""
    declared = destination.declared
    if declared is None or destination.image != "present" or isinstance(destination.reader, Unreachable):
        return
    repository, registry = push.canary.repository, destination.registry
    if not declared.values:
        destination.settings_note = (f"the plan declares no creation template or scanning configuration for "
                                     f"{repository} in {registry}: settings not compared")
        return
    live = read_live(destination.reader, registry, repository)
    destination.settings = compare(declared, live, registry, _predates(repository, destination))
    destination.settings_fixes = live.fixes


def _predates(repository: str, destination: Destination) -> str | None:
    """Why the repository may not be one replication created after this run's push (``None``: it was)."""
    templates = "and creation templates act only when replication creates a repository"
    if destination.existed_before:
        return f"{repository} existed in {destination.registry} before this push, {templates}"
    if destination.existed_before is None:
        return (f"whether {repository} existed in {destination.registry} before this push could not be read "
                f"({destination.existence_problem.reason if destination.existence_problem else 'not read'}), {templates}")
    return None


def clean_destination(push: Push, destination: Destination) -> None:
    """Delete the canary image from a destination that could be read."""
    if isinstance(destination.reader, AccountSession):
        destination.cleanup = _delete_image(destination.reader, destination.registry, push)


def _delete_image(session: AccountSession, registry: Registry, push: Push) -> str:
    """``deleted``, ``not there`` or ``failed: <reason>`` for deleting the canary from one registry."""
    try:
        response = session.client("ecr", registry.region).batch_delete_image(
            repositoryName=push.canary.repository, imageIds=[{"imageDigest": push.digest}])
    except AwsError as error:
        if error_code(error) == "RepositoryNotFoundException":
            return "not there"
        return "failed: " + describe_error(error, registry.account_id, "ecr:BatchDeleteImage")
    failures = response.get("failures", [])
    if response.get("imageIds"):
        return "deleted"
    if all(f.get("failureCode") == "ImageNotFound" for f in failures):
        return "not there"
    return "failed: " + "; ".join(f"{f.get('failureCode')}: {f.get('failureReason')}" for f in failures)


def _abandon(source: AccountSession, pushes: Sequence[Push]) -> None:
    """After an error or Ctrl-C mid-run: say where canaries already pushed may remain and how to delete them."""
    for push in pushes:
        if push.digest:
            for registry in [source_registry(source)] + [d.registry for d in push.destinations]:
                output.note(f"the canary may remain in {registry}: {_delete_image_command(push, registry)}")


def exit_code(pushes: Sequence[Push]) -> int:
    """A failure anywhere wins; else anything not verified keeps the run from passing."""
    verdicts = {d.verdict for p in pushes for d in p.destinations}
    if FAILED in verdicts:
        return EXIT_FAILED
    return EXIT_NOT_VERIFIED if NOT_VERIFIED in verdicts else EXIT_VERIFIED


def problem(canary: Canary, destination: Destination, check_hint: str) -> tuple[str | None, str | None]:
    """What is wrong with, or unknown about, a destination, and what to do about it (both None when verified);
    ``check_hint`` says how to look for why replication fails (:data:`CHECK_HINT`)."""
    if destination.status == FAILED_STATUS:
        return f"replication FAILED ({destination.failure_code or 'no failure code'})", check_hint
    if destination.wrong_digest:
        return (f"the canary tag names {destination.image} there, not the pushed image",
                "another image was pushed under the canary's tag: find out what writes to that repository")
    mismatches = [s for s in destination.settings if s.state == MISMATCH]
    if mismatches:
        return ("settings differ from the plan: " + "; ".join(
            f"{s.setting}: expected {s.expected}, live {s.live}" for s in mismatches),
            "; ".join(dict.fromkeys(s.hint for s in mismatches if s.hint)))
    if isinstance(destination.reader, Unreachable):
        return destination.reader.reason, destination.reader.hint
    if destination.read_problem:
        return f"the destination can't be read: {destination.read_problem.reason}", destination.read_problem.fix
    if destination.timed_out and (failure := destination.status_failure or destination.image_failure):
        return f"timed out, the last check failing: {failure.reason}", failure.fix
    if destination.timed_out:
        if destination.status == COMPLETE:
            where = "the source reports COMPLETE but the image is not in the destination"
        elif destination.image == "present":
            where = f"the image is there but the source still reports {destination.status}"
        else:
            where = f"replication is {destination.status} and the image has not arrived"
        if destination.status == COMPLETE:
            fix = COMPLETE_BUT_ABSENT_HINT
        else:
            fix = check_hint if destination.status == NOT_STARTED else "wait longer (--timeout) or " + check_hint
        return f"timed out: {where}", fix
    unchecked: dict[str | None, list[str]] = {}
    for setting in destination.settings:
        if setting.state == NOT_CHECKED:
            unchecked.setdefault(setting.hint, []).append(setting.setting)
    if unchecked:
        return ("settings not checked: " + "; ".join(f"{', '.join(names)} ({reason})"
                                                     for reason, names in unchecked.items()),
                "; ".join(_unchecked_fixes(canary, destination, set(unchecked))))
    return None, None


def _unchecked_fixes(canary: Canary, destination: Destination, reasons: set[str | None]) -> list[str]:
    """What makes the settings that were not checked checkable, for each reason among ``reasons``."""
    registry, fixes = destination.registry, []
    predates = _predates(canary.repository, destination)
    if predates in reasons and destination.existed_before and canary.named_by_verify:
        fixes.append(f"delete it ({_delete_repository_command(registry, canary.repository)}) and verify again: "
                     "replication then creates it with the creation templates")
    elif predates in reasons and destination.existed_before:
        fixes.append(f"pass --repository with a repository that is not in {registry} yet, or none (the canary)")
    elif predates in reasons and destination.existence_problem is not None:
        fixes.append(destination.existence_problem.fix)
    fixes += [destination.settings_fixes[reason] for reason in sorted(reasons - {None})
              if reason in destination.settings_fixes]
    if SECRET_REASON in reasons:
        fixes.append("compare the settings the plan shows as secrets by hand")
    return list(dict.fromkeys(fixes))


def remaining_repositories(source: AccountSession, pushes: Sequence[Push]) -> list[tuple[Registry, str, str]]:
    """The canary repositories verify named that now exist: (registry, repository, how it came to be)."""
    remaining = []
    for push in pushes:
        if not push.canary.named_by_verify or not push.pushed:
            continue
        origin = "created by this run" if push.repository_created else "existed before"
        remaining.append((source_registry(source), push.canary.repository, origin))
        for destination in push.destinations:
            if destination.image == "present" or destination.wrong_digest:
                origin = "existed before" if destination.existed_before else "created by replication"
                remaining.append((destination.registry, push.canary.repository, origin))
            elif destination.existed_before:
                remaining.append((destination.registry, push.canary.repository, "existed before"))
    return remaining


def _delete_image_command(push: Push, registry: Registry) -> str:
    return (f"aws ecr batch-delete-image --repository-name {push.canary.repository} --image-ids "
            f"imageDigest={push.digest} --region {registry.region}  # with credentials of account {registry.account_id}")


def _delete_repository_command(registry: Registry, repository: str) -> str:
    return (f"aws ecr delete-repository --repository-name {repository} --force --region {registry.region}"
            f"  # with credentials of account {registry.account_id}")


def _duration(seconds: float) -> str:
    """``42s`` or ``3m05s``."""
    whole = round(seconds)
    return f"{whole // 60}m{whole % 60:02d}s" if whole >= 60 else f"{seconds:.0f}s"


def as_json(source: AccountSession, pushes: Sequence[Push], code: int, keep: bool, check_hint: str) -> dict[str, Any]:
    """The ``--json`` report: every canary, every destination with its verdict, and what remains."""
    def destination_json(canary: Canary, d: Destination, pushed: bool) -> dict[str, Any]:
        text, fix = problem(canary, d, check_hint)
        return {
            "registry": str(d.registry), **d.registry.as_api(),
            "result": d.verdict,
            "replicationStatus": d.status,
            "failureCode": d.failure_code,
            "imagePresent": None if d.image is None else d.image == "present",
            "imageDigestFound": d.image if d.wrong_digest else None,
            "arrivalSeconds": d.arrived_after,
            "notYetAtSeconds": d.missed_at if d.arrived_after is not None else None,
            "repositoryExistedBefore": d.existed_before,
            "problem": text,
            "fix": fix,
            "settings": [asdict(s) for s in d.settings],
            "settingsNote": d.settings_note,
            "cleanup": "kept" if keep and pushed else d.cleanup,
        }

    return {
        "result": {EXIT_VERIFIED: VERIFIED, EXIT_FAILED: FAILED, EXIT_NOT_VERIFIED: NOT_VERIFIED}[code],
        "sourceRegistry": str(source_registry(source)),
        "canaries": [{
            "repositoryName": p.canary.repository,
            "pushed": p.pushed,
            "imageTag": p.tag if p.pushed else None,
            "imageDigest": p.digest or None,
            "pushedAt": p.pushed_at.isoformat() if p.pushed_at else None,
            "repositoryCreated": p.repository_created,
            "cleanup": None if not p.pushed else "kept" if keep else p.cleanup,
            "destinations": [destination_json(p.canary, d, p.pushed) for d in p.destinations],
        } for p in pushes],
        "remainingRepositories": [
            {"registry": str(registry), "repositoryName": name, "origin": origin,
             "deleteCommand": _delete_repository_command(registry, name)}
            for registry, name, origin in remaining_repositories(source, pushes)],
    }


def _destination_lines(canary: Canary, d: Destination, check_hint: str) -> list[str]:
    """A destination's verdict line, then what differs or is missing and what to do."""
    arrived = (f"arrived {_duration(d.arrived_after)} after the push (not yet at {_duration(d.missed_at)})"
               if d.arrived_after is not None else None)
    mismatches = [s for s in d.settings if s.state == MISMATCH]
    text, fix = problem(canary, d, check_hint)
    lines = []
    if d.verdict == VERIFIED:
        settings = f"; {len(d.settings)} setting(s) as declared" if d.settings else ""
        lines.append(f"  {d.registry}: verified: {arrived}{settings}")
    elif mismatches and text and text.startswith("settings differ"):
        lines.append(f"  {d.registry}: failed: {arrived or 'the image is there'}, but its settings differ from the "
                     "plan:")
        lines += [f"    {setting.setting}: expected {setting.expected}, live {setting.live}" for setting in mismatches]
        lines += [f"    fix: {hint}" for hint in dict.fromkeys(s.hint for s in mismatches if s.hint)]
    else:
        # The image's arrival is verified even when some settings could not be checked.
        lead = f"{arrived}, but " if arrived and text and text.startswith("settings not checked") else ""
        lines.append(f"  {d.registry}: {d.verdict.replace('_', ' ').lower()}: {lead}{text}")
        lines += [f"    fix: {fix}"] if fix else []
    lines += [f"    note: {d.settings_note}"] if d.settings_note else []
    return lines


def print_text(source: AccountSession, pushes: Sequence[Push], code: int, keep: bool, check_hint: str) -> None:
    """The human report: per canary and destination the verdict, its reason and fix, then cleanup."""
    lines = []
    for push in pushes:
        if push.pushed:
            lines.append(f"canary {push.canary.repository}:{push.tag} ({push.digest}) pushed to "
                         f"{source_registry(source)}")
        else:
            lines.append(f"canary {push.canary.repository} not pushed: none of its destinations can be read, so "
                         "nothing could be verified")
        for d in push.destinations:
            lines += _destination_lines(push.canary, d, check_hint)
    pushed = [push for push in pushes if push.pushed]
    lines.append("")
    if keep and pushed:
        lines.append("canary images kept (--keep); delete them with:")
        for push in pushed:
            for registry in [source_registry(source)] + [d.registry for d in push.destinations if d.image == "present"]:
                lines.append(f"  {_delete_image_command(push, registry)}")
    elif not keep:
        for push in pushed:
            deleted = [str(source_registry(source))] * (push.cleanup == "deleted") + [
                str(d.registry) for d in push.destinations if d.cleanup == "deleted"]
            lines.append(f"canary image deleted from {', '.join(deleted) or 'nowhere'}")
            for registry, outcome in [(source_registry(source), push.cleanup)] + [
                    (d.registry, d.cleanup) for d in push.destinations]:
                if outcome and outcome.startswith("failed"):
                    lines += [f"  {registry}: {outcome}",
                              f"    delete it with: {_delete_image_command(push, registry)}"]
            for d in push.destinations:
                if d.image != "present" and not d.unreachable and d.cleanup == "not there" and d.verdict != FAILED:
                    lines.append(f"  {d.registry}: it may still arrive there: "
                                 f"{_delete_image_command(push, d.registry)}")
                elif d.unreachable:
                    lines.append(f"  {d.registry}: not read, so not deleted: {_delete_image_command(push, d.registry)}")
    remaining = remaining_repositories(source, pushes)
    if remaining:
        lines.append("canary repositories remain (kept for the next run; delete them with):")
        lines += [f"  {_delete_repository_command(registry, name)}  ({origin})" for registry, name, origin in remaining]
    verdicts = [d.verdict for p in pushes for d in p.destinations]
    summary = f"{verdicts.count(VERIFIED)} of {len(verdicts)} destination(s) verified"
    lines.append({EXIT_VERIFIED: f"verified: {summary}",
                  EXIT_FAILED: f"failed: {summary}, {verdicts.count(FAILED)} failed",
                  EXIT_NOT_VERIFIED: f"not verified: {summary}"}[code])
    print("\n".join(lines))
