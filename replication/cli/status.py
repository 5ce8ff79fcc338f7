"""``ecr-replication status``: where each recent image stands in each replication destination.

An image AWS reports no replication status for in a destination is NOT_STARTED: replication copies only images
pushed after the rule for that destination existed, so it never will (``ecr-replication backfill`` copies such
images); ``--wait`` waits only for images IN_PROGRESS. A check ``--wait`` makes that AWS fails (a server error,
throttling or a lost connection that outlasted botocore's retries) is noted on stderr and made again at the next
one, until ``--timeout`` (an image whose status was never read then ends the run with that error); one AWS
refuses (an access denial, a bad request) ends the run, as does any failure to read the live rules or list the
images.

Exit codes: 0 every image is COMPLETE in every destination; 1 some replication FAILED; 3 some image is
still IN_PROGRESS or NOT_STARTED (at once without ``--wait``, or when ``--timeout`` runs out), or there was no
image to ask about (no verdict about nothing), or the stack's source credentials can't be used offline
(--stack, an encrypted profile or roleArn); 2 usage or AWS errors; 130 interrupted.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from replication.cli import expectation, options, output
from replication.cli.aws_errors import failed_by_aws, translated_errors
from replication.cli.options import DEFAULT_MAX_WORKERS, parse_duration, positive_int
from replication.cli.sessions import AccountSession
from replication.cli.errors import CliError
from replication.cli.live import matched_repositories, read_live_rules
from replication.ecr_semantics import Registry, Rule, destinations_of

COMPLETE, IN_PROGRESS, FAILED, NOT_STARTED = "COMPLETE", "IN_PROGRESS", "FAILED", "NOT_STARTED"
"""Replication states shown per image and destination; NOT_STARTED is an empty or missing AWS status."""

EXIT_COMPLETE, EXIT_FAILED, EXIT_PENDING = 0, 1, 3
"""Exit codes: all complete, a failure, still pending (or nothing to check)."""

NOTHING_TO_CHECK, PENDING = "NOTHING_TO_CHECK", "PENDING"
"""The ``--json`` results when no image was found to ask about, and when some image is still IN_PROGRESS."""

DEFAULT_TIMEOUT = "30m"
"""How long ``--wait`` polls unless ``--timeout`` says."""


FIRST_POLL_DELAY, MAX_POLL_DELAY = 5.0, 60.0
"""Seconds between ``--wait`` polls: the first delay, doubled each round up to the cap."""

@dataclass(frozen=True)
class Image:
    """One source image, by repository and digest, with its tags for display."""

    repository: str
    digest: str
    tags: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        """The first tag, else a shortened digest."""
        return self.tags[0] if self.tags else self.digest[:19]


@dataclass(frozen=True)
class Target:
    """An image and the destinations the configuration says it must reach."""

    image: Image
    destinations: tuple[Registry, ...]


@dataclass(frozen=True)
class Cell:
    """The state of one image in one destination."""

    destination: Registry
    status: str
    failure_code: str | None = None


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``status`` sub-command."""
    parser = options.add_live_command(subparsers, "status", "show replication status of recent images per destination", __doc__, run)
    expectation.add_options(parser)
    pick = parser.add_argument_group("which images")
    pick.add_argument("--repository", help="only this repository (it must be matched by a replication rule)")
    which = pick.add_mutually_exclusive_group()
    which.add_argument("--tag", help="the image with this tag (needs --repository)")
    which.add_argument("--digest", help="the image with this digest (needs --repository)")
    which.add_argument("--latest", type=positive_int, default=1, help="the N most recently pushed images per repository (default 1)")
    parser.add_argument("--max-workers", type=positive_int, default=DEFAULT_MAX_WORKERS, help=f"concurrent status calls (default {DEFAULT_MAX_WORKERS})")
    parser.add_argument("--wait", action="store_true", help="poll with backoff until all complete or one fails")
    parser.add_argument("--timeout", type=parse_duration, help=f"how long --wait polls (default {DEFAULT_TIMEOUT}; only "
                                                              "with --wait)")


def run(args: argparse.Namespace, clock: Callable[[], float] = time.monotonic, sleep: Callable[[float], None] = time.sleep) -> int:
    """Run ``status``; ``clock`` and ``sleep`` drive ``--wait`` and are replaced in tests."""
    if (args.tag or args.digest) and not args.repository:
        raise CliError("--tag and --digest need --repository")
    if args.timeout is not None and not args.wait:
        raise CliError("--timeout needs --wait (it is how long --wait polls)")
    timeout = args.timeout if args.timeout is not None else parse_duration(DEFAULT_TIMEOUT)
    given = expectation.from_args(args)
    source = given.source(given.sessions(args))
    rules = read_live_rules(source)
    deadline = clock() + timeout
    answers = select_and_poll(source, rules, args)
    targets = list(answers)
    cells: dict[Target, list[Cell]] = {}
    unread: dict[Target, CliError] = {}  # images whose last status call AWS failed (--wait): asked again
    _take(answers, cells, unread)
    if not targets:
        output.note("no images in the repositories the replication rules match: nothing to check, so no verdict")
    delay = FIRST_POLL_DELAY
    while args.wait and not _failed(cells) and clock() < deadline:
        pending = [t for t in targets if t in unread or _in_progress(cells[t])]
        if not pending:
            break
        wait_for = min(delay, max(deadline - clock(), 0.0))
        in_progress = [t for t in pending if t in cells]
        output.note(f"{len(in_progress)} of {len(targets)} images still IN_PROGRESS somewhere"
                    + (f", {len(pending) - len(in_progress)} not read yet" if len(in_progress) < len(pending) else "")
                    + f"; next check in {wait_for:.0f}s")
        sleep(wait_for)
        _take(poll(source, pending, args.max_workers), cells, unread)
        delay = min(delay * 2, MAX_POLL_DELAY)
    never = [t for t in targets if t not in cells]
    if never:
        raise CliError(f"the replication status of {len(never)} image(s) could not be read (the last try of "
                       f"{never[0].image.repository}:{never[0].image.label}: {unread[never[0]]})")
    if unread:
        output.note(f"the last check of {len(unread)} image(s) failed: their status is the one read before it")
    cells = {t: cells[t] for t in targets}
    _note_not_started(cells)
    code = outcome(cells)
    if args.json:
        output.print_json(as_json(source, cells))
    elif cells:  # no images: the note above says so; a table of no rows would say nothing
        print(as_table(cells))
    return code


def _take(answers: dict[Target, list[Cell] | CliError], cells: dict[Target, list[Cell]],
          unread: dict[Target, CliError]) -> None:
    """Keep the cells of the images read, and why the others were not; a note when some call AWS failed."""
    failed = {t: a for t, a in answers.items() if isinstance(a, CliError)}
    for target, answer in answers.items():
        if isinstance(answer, CliError):
            unread[target] = answer
        else:
            cells[target] = answer
            unread.pop(target, None)
    if failed:
        output.note(f"{len(failed)} of {len(answers)} status checks failed ({next(iter(failed.values()))}); asking "
                    "again at the next check")


def select_and_poll(source: AccountSession, rules: Sequence[Rule],
                    args: argparse.Namespace) -> dict[Target, list[Cell] | CliError]:
    """The images to ask about and their status, in one pool of ``args.max_workers`` threads: each
    repository's ``DescribeImages`` listing is a task, and the status calls of its images are queued as soon as
    it arrives, so no worker waits for every listing to finish. Images keep the repositories' order. With
    ``--wait``, an image whose status call AWS failed has the error instead (:func:`checked`)."""
    repositories = _repositories(source, rules, args)
    ask = checked if args.wait else image_cells
    source.client("ecr")  # created here, before worker threads share it
    pool = ThreadPoolExecutor(max_workers=args.max_workers)
    try:

        def listed(repository: str) -> list[tuple[Target, Future[list[Cell] | CliError]]]:
            destinations = tuple(destinations_of(rules, repository))
            targets = [Target(image, destinations) for image in _images(source, repository, args)]
            return [(target, pool.submit(ask, source, target)) for target in targets]

        listings = [pool.submit(listed, repository) for repository in repositories]
        return {target: cells.result() for listing in listings for target, cells in listing.result()}
    finally:
        pool.shutdown(cancel_futures=True)  # after an error, drop the calls still queued


def _repositories(source: AccountSession, rules: Sequence[Rule], args: argparse.Namespace) -> list[str]:
    """``--repository`` (which a rule must match), else every repository a rule replicates."""
    if not args.repository:
        return list(matched_repositories(source, rules))
    if not any(rule.matches(args.repository) for rule in rules):
        raise CliError(f"repository {args.repository!r} is not matched by any replication rule of registry {source.account_id}")
    return [args.repository]


def _images(source: AccountSession, repository: str, args: argparse.Namespace) -> list[Image]:
    """The chosen images of ``repository``: by tag or digest, else the ``--latest`` most recently pushed."""
    ecr = source.client("ecr")
    with translated_errors(source.account_id, "ecr"):
        if args.tag or args.digest:
            wanted = {"imageTag": args.tag} if args.tag else {"imageDigest": args.digest}
            details = ecr.describe_images(repositoryName=repository, imageIds=[wanted])["imageDetails"]
        else:
            pages = ecr.get_paginator("describe_images").paginate(repositoryName=repository)
            details = [detail for page in pages for detail in page["imageDetails"]]
            details.sort(key=lambda d: (d["imagePushedAt"], d["imageDigest"]), reverse=True)
            details = details[: args.latest]
    return [Image(repository, d["imageDigest"], tuple(d.get("imageTags", ()))) for d in details]


def poll(source: AccountSession, targets: list[Target], max_workers: int) -> dict[Target, list[Cell] | CliError]:
    """Ask again for each target's replication status (``--wait``), at most ``max_workers`` calls at a time: its
    cells, or why AWS failed the call (:func:`checked`)."""
    source.client("ecr")  # created here, before worker threads share it
    with ThreadPoolExecutor(max_workers=max_workers) as pool:
        return dict(zip(targets, pool.map(lambda target: checked(source, target), targets)))


def checked(source: AccountSession, target: Target) -> list[Cell] | CliError:
    """:func:`image_cells`, or its error when AWS failed the call (a server error, throttling or a lost connection
    that outlasted botocore's retries): ``--wait`` asks again at its next check. A call AWS refuses (an access
    denial, a bad request) raises, as it would the next time."""
    try:
        return image_cells(source, target)
    except CliError as error:
        if failed_by_aws(error) is None:
            raise
        return error


def image_cells(source: AccountSession, target: Target) -> list[Cell]:
    """One cell per destination of ``target``: a destination absent from AWS's answer is NOT_STARTED.

    Destinations AWS reports that the configuration no longer names are kept, so nothing is hidden.
    """
    with translated_errors(source.account_id, "ecr"):
        response = source.client("ecr").describe_image_replication_status(
            repositoryName=target.image.repository, imageId={"imageDigest": target.image.digest}
        )
    reported = {
        Registry(s["registryId"], s["region"]): Cell(Registry(s["registryId"], s["region"]), s["status"], s.get("failureCode"))
        for s in response.get("replicationStatuses", [])
    }
    expected = [reported.get(d, Cell(d, NOT_STARTED)) for d in target.destinations]
    return expected + [cell for d, cell in sorted(reported.items()) if d not in target.destinations]


def _in_progress(cells: list[Cell]) -> bool:
    """Whether an image is still being copied to some destination (and has not failed anywhere): worth waiting for.
    A NOT_STARTED destination is not: replication never copies an image pushed before its rule existed."""
    return not any(c.status == FAILED for c in cells) and any(c.status == IN_PROGRESS for c in cells)


def _failed(cells: dict[Target, list[Cell]]) -> bool:
    return any(c.status == FAILED for row in cells.values() for c in row)


def _note_not_started(cells: dict[Target, list[Cell]]) -> None:
    """Say which destinations hold images replication never started, and the command that copies them."""
    missing = {c.destination: None for row in cells.values() for c in row if c.status == NOT_STARTED}
    if not missing:
        return
    images = sum(any(c.status == NOT_STARTED for c in row) for row in cells.values())
    destinations = " ".join(f"--destination {d}" for d in missing)
    output.note(f"{images} image(s) NOT_STARTED: AWS reports no replication of them to {', '.join(map(str, missing))}; "
                "replication copies only images pushed after the rule for a destination existed, so it won't copy "
                f"these: run `ecr-replication backfill {destinations}` (--dry-run first shows what it would copy)")


def result(cells: dict[Target, list[Cell]]) -> str:
    """The run's result in one word: FAILED, PENDING (something IN_PROGRESS), NOT_STARTED, COMPLETE, or
    NOTHING_TO_CHECK."""
    states = {c.status for row in cells.values() for c in row}
    if not cells:
        return NOTHING_TO_CHECK
    for state, word in ((FAILED, FAILED), (IN_PROGRESS, PENDING), (NOT_STARTED, NOT_STARTED)):
        if state in states:
            return word
    return COMPLETE


def outcome(cells: dict[Target, list[Cell]]) -> int:
    """The exit code for these cells: a failure wins over anything pending; no image at all is no success."""
    states = {c.status for row in cells.values() for c in row}
    if FAILED in states:
        return EXIT_FAILED
    return EXIT_PENDING if not states or states - {COMPLETE} else EXIT_COMPLETE


def as_table(cells: dict[Target, list[Cell]]) -> str:
    """The human table: one row per image and destination."""
    rows = [
        (t.image.repository, t.image.label, str(c.destination), c.status + (f" ({c.failure_code})" if c.failure_code else ""))
        for t, row in cells.items()
        for c in row
    ]
    return output.render_table(("REPOSITORY", "IMAGE", "DESTINATION", "STATUS"), rows)


def as_json(source: AccountSession, cells: dict[Target, list[Cell]]) -> dict[str, Any]:
    """The ``--json`` document: registry, overall result and every image with its destinations."""
    return {
        "registryId": source.account_id,
        "region": source.region,
        "result": result(cells),
        "images": [
            {
                "repositoryName": t.image.repository,
                "imageDigest": t.image.digest,
                "imageTags": list(t.image.tags),
                "destinations": [
                    {**c.destination.as_api(), "status": c.status, "failureCode": c.failure_code} for c in row
                ],
            }
            for t, row in cells.items()
        ],
    }
