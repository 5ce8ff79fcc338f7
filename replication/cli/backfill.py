"""``ecr-replication backfill``: replicate images pushed before replication was configured.

Starts ECR's native replication backfill for each destination of the live configuration, one per
destination region at a time and at most 10 per registry (the rest wait in a queue), follows backfills
that are already running instead of restarting them, shows progress on stderr, then prints per-image
results with failures first; a backfill whose images failed is reported FAILED, never COMPLETE.

Exit codes: 0 every backfill completed without a failed image; 1 otherwise; 2 usage or AWS errors; 3 nothing
started: the stack's source credentials can't be used offline (--stack, an encrypted profile or roleArn); 130
interrupted (running backfills go on unless you stop them).
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable, Sequence
from typing import Any

import botocore.exceptions

from replication.cli import expectation, options, output
from replication.cli.aws_errors import error_code, translated_errors
from replication.cli.options import parse_duration
from replication.cli.sessions import AccountSession
from replication.cli.errors import CliError
from replication.cli.live import matched_repositories, read_live_rules
from replication.ecr_semantics import Registry, Rule, destinations_of, parse_registry

ACTIVE = frozenset({"PREPARING", "IN_PROGRESS", "STOPPING"})
"""Backfill statuses that still occupy their destination region and the registry's quota."""

REGISTRY_LIMIT = 10
"""Backfills a registry may have in progress at once (AWS's LimitExceededException beyond)."""

REGION_BUSY, REGISTRY_FULL = "region-busy", "registry-full"
"""Why a backfill could not start yet: another one runs in its region, or the registry is at its limit."""

EXIT_DONE, EXIT_FAILED, EXIT_INTERRUPTED = 0, 1, 130
"""Exit codes of ``backfill``."""


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``backfill`` sub-command."""
    parser = options.add_live_command(subparsers, "backfill", "replicate pre-existing images with ECR's native backfill", __doc__, run)
    expectation.add_options(parser)
    parser.add_argument("--destination", action="append", default=[], metavar="ACCOUNT/REGION",
                        help="only this destination registry of the configuration, or every one in a REGION (repeatable)")
    parser.add_argument("--dry-run", action="store_true", help="count the images each destination would get; start nothing")
    parser.add_argument("--poll-interval", type=parse_duration, default=parse_duration("15s"),
                        help="time between progress checks (default 15s)")


def run(
    args: argparse.Namespace,
    sleep: Callable[[float], None] = time.sleep,
    interactive: bool | None = None,
    confirm: Callable[[str], bool] | None = None,
) -> int:
    """Run ``backfill``; ``sleep``, ``interactive`` (is stdin a terminal) and ``confirm`` are replaced in tests."""
    given = expectation.from_args(args)
    source = given.source(given.sessions(args))
    rules = read_live_rules(source)
    destinations = select_destinations(rules, args.destination)
    if args.dry_run:
        counts = dry_run_counts(source, rules, destinations)
        if args.json:
            output.print_json({"dryRun": True, "destinations": [{**d.as_api(), **c} for d, c in counts.items()]})
        else:
            rows = [(str(d), c["repositories"], c["images"]) for d, c in counts.items()]
            print(output.render_table(("DESTINATION", "REPOSITORIES", "IMAGES"), rows))
        return EXIT_DONE
    scheduler = Scheduler(source, destinations)
    progress = output.Progress()
    try:
        scheduler.run(sleep, args.poll_interval, progress)
    except KeyboardInterrupt:
        progress.close()
        return interrupted(scheduler, sys.stdin.isatty() if interactive is None else interactive, confirm or ask)
    progress.close()
    return report(scheduler, args.json)


def parse_selector(text: str) -> tuple[str, str | None]:
    """``ACCOUNT/REGION`` (a registry, as every command writes one) or ``REGION`` as (region, account or None)."""
    registry = parse_registry(text)
    if registry is not None:
        return registry.region, registry.account_id
    if "/" in text:
        raise CliError(f"--destination {text!r}: write a registry as ACCOUNT/REGION with a 12-digit account id, "
                       "or give a REGION alone")
    return text, None


def select_destinations(rules: Sequence[Rule], selectors: list[str]) -> list[Registry]:
    """The configured destinations named by ``selectors`` (all of them when none is given)."""
    configured = destinations_of(rules)
    if not selectors:
        return configured
    chosen = []
    for selector in selectors:
        region, account = parse_selector(selector)
        found = [d for d in configured if d.region == region and account in (None, d.account_id)]
        if not found:
            raise CliError(f"destination {selector!r} is not in the replication configuration "
                           f"(configured: {', '.join(map(str, configured))})")
        chosen.extend(d for d in found if d not in chosen)
    return chosen


def dry_run_counts(source: AccountSession, rules: Sequence[Rule], destinations: list[Registry]) -> dict[Registry, dict[str, int]]:
    """For each destination, how many matched repositories and distinct images (digests) it would receive."""
    counts = {d: {"repositories": 0, "images": 0} for d in destinations}
    ecr = source.client("ecr")
    for repository in matched_repositories(source, rules):
        reached = [d for d in destinations_of(rules, repository) if d in counts]
        if not reached:
            continue
        with translated_errors(source.account_id, "ecr"):
            pages = ecr.get_paginator("list_images").paginate(repositoryName=repository)
            digests = {image["imageDigest"] for page in pages for image in page["imageIds"]}
        for destination in reached:
            counts[destination]["repositories"] += 1
            counts[destination]["images"] += len(digests)
    return counts


class Scheduler:
    """Starts, queues and follows one backfill per destination within AWS's concurrency rules."""

    def __init__(self, source: AccountSession, destinations: list[Registry]) -> None:
        """Backfill ``destinations`` of the registry behind ``source``."""
        self.source = source
        self.destinations = list(destinations)
        self.queue = list(destinations)
        self.followed: dict[Registry, dict[str, Any]] = {}
        """The backfill followed per destination, as last reported by AWS."""
        self._shown: dict[Registry, float] = {}
        """The part of each destination's backfill shown so far: AWS's totals can grow while it is still counting
        images, and a bar that went backwards would mislead more than one that waits."""

    @property
    def ecr(self) -> Any:
        """The source registry's ECR client."""
        return self.source.client("ecr")

    def run(self, sleep: Callable[[float], None], interval: float, progress: output.Progress) -> None:
        """Start and follow backfills until the queue is empty and every followed one has ended."""
        self.tick()
        while self.queue or any(b["status"] in ACTIVE for b in self.followed.values()):
            self.show(progress)
            sleep(interval)
            self.tick()
        self.show(progress)

    def list_backfills(self) -> list[dict[str, Any]]:
        """Every backfill of the registry that AWS still reports (terminal ones for 90 days)."""
        with translated_errors(self.source.account_id, "ecr"):
            pages = self.ecr.get_paginator("list_replication_backfills").paginate()
            return [b for page in pages for b in page["backfills"]]

    def tick(self) -> None:
        """Refresh every backfill's status, adopt running ones for queued destinations, start what may start."""
        backfills = self.list_backfills()
        by_id = {b["replicationBackfillId"]: b for b in backfills}
        active = [b for b in backfills if b["status"] in ACTIVE]
        for destination, known in self.followed.items():
            self.followed[destination] = by_id.get(known["replicationBackfillId"], known)
        for backfill in active:
            destination = Registry(backfill["destination"]["registryId"], backfill["destination"]["region"])
            if destination in self.queue:
                self.queue.remove(destination)
                self.followed[destination] = backfill
                output.note(f"following backfill {backfill['replicationBackfillId']} already running for {destination}")
        busy_regions = {b["destination"]["region"] for b in active}
        for destination in list(self.queue):
            if len(active) >= REGISTRY_LIMIT:
                break
            if destination.region in busy_regions:
                continue
            started = self.start(destination)
            busy_regions.add(destination.region)
            if started == REGISTRY_FULL:
                break
            if started == REGION_BUSY:
                continue
            active.append(started)
            self.queue.remove(destination)
            self.followed[destination] = started

    def start(self, destination: Registry) -> dict[str, Any] | str:
        """Start a backfill: AWS's answer, or REGION_BUSY / REGISTRY_FULL when AWS refuses for now."""
        with translated_errors(self.source.account_id, "ecr"):
            try:
                started = self.ecr.start_replication_backfill(destination=destination.as_api())
            except botocore.exceptions.ClientError as error:
                code = error_code(error)
                if code == "ReplicationBackfillInProgressException":
                    return REGION_BUSY
                if code == "LimitExceededException":
                    return REGISTRY_FULL
                raise
        output.note(f"started backfill {started['replicationBackfillId']} for {destination}")
        return started

    def show(self, progress: output.Progress) -> None:
        """Redraw the progress line: each destination counts equally, from queued (0) to ended (1)."""
        for destination in self.destinations:
            backfill = self.followed.get(destination)
            if backfill is None:
                continue
            counters = backfill.get("progress", {})
            total = counters.get("totalReplicationCount", 0)
            done = counters.get("completedReplicationCount", 0) + counters.get("failedReplicationCount", 0)
            part = 1.0 if backfill["status"] not in ACTIVE else done / total if total else 0.0
            self._shown[destination] = max(self._shown.get(destination, 0.0), part)
        counters = [b.get("progress", {}) for b in self.followed.values()]
        images = sum(c.get("completedReplicationCount", 0) + c.get("failedReplicationCount", 0) for c in counters)
        total = sum(c.get("totalReplicationCount", 0) for c in counters)
        failed = sum(c.get("failedReplicationCount", 0) for c in counters)
        ended = sum(b["status"] not in ACTIVE for b in self.followed.values())
        running = len(self.followed) - ended
        progress.update(sum(self._shown.values()) / max(len(self.destinations), 1),
                        f"{ended}/{len(self.destinations)} destinations, {images}/{total} images ({failed} failed), "
                        f"{running} running, {len(self.queue)} queued")

    def results(self) -> list[dict[str, Any]]:
        """Per-image results of every followed backfill, failures first."""
        rows = []
        with translated_errors(self.source.account_id, "ecr"):
            for destination, backfill in self.followed.items():
                pages = self.ecr.get_paginator("describe_replication_backfill_results").paginate(
                    replicationBackfillId=backfill["replicationBackfillId"]
                )
                rows.extend({**result, "destination": destination} for page in pages for result in page["results"])
        return sorted(rows, key=lambda r: (r["status"] != "FAILED", r["destination"], r["repositoryName"]))


def outcome(backfill: dict[str, Any], results: list[dict[str, Any]]) -> str:
    """What a backfill achieved: AWS's status, except that one whose images failed is never called COMPLETE."""
    failed = sum(r["status"] == "FAILED" for r in results)
    failed = max(failed, backfill.get("progress", {}).get("failedReplicationCount", 0))
    if backfill["status"] == "COMPLETE" and failed:
        return f"FAILED ({failed} of {backfill.get('progress', {}).get('totalReplicationCount', len(results))} images)"
    return backfill["status"] + (f" ({backfill['failureCode']})" if backfill.get("failureCode") else "")


def report(scheduler: Scheduler, as_json: bool) -> int:
    """Print every followed backfill and its per-image results; the exit code says whether all succeeded."""
    results = scheduler.results()
    backfills = sorted(scheduler.followed.items())
    outcomes = {d: outcome(b, [r for r in results if r["destination"] == d]) for d, b in backfills}
    ok = all(result == "COMPLETE" for result in outcomes.values()) and all(r["status"] == "COMPLETE" for r in results)
    if as_json:
        output.print_json({
            "backfills": [{**{key: b.get(key) for key in ("replicationBackfillId", "destination", "status", "failureCode",
                                                           "progress")}, "result": outcomes[d]}
                          for d, b in backfills],
            "results": [{**r, "destination": r["destination"].as_api()} for r in results],
        })
    else:
        print(output.render_table(
            ("DESTINATION", "BACKFILL", "RESULT"),
            [(str(d), b["replicationBackfillId"], outcomes[d]) for d, b in backfills],
        ))
        print()
        print(output.render_table(
            ("DESTINATION", "REPOSITORY", "IMAGE", "STATUS"),
            [(str(r["destination"]), r["repositoryName"], r["imageId"].get("imageTag") or r["imageId"].get("imageDigest", ""),
              r["status"] + "".join(f" ({c})" for c in [r.get("failureCode"), *r.get("subImageFailureCodes", [])] if c))
             for r in results],
        ))
    return EXIT_DONE if ok else EXIT_FAILED


def ask(question: str) -> bool:
    """Ask a yes/no question on the terminal; anything but yes (or no answer at all) is no."""
    try:
        return input(question).strip().lower() in {"y", "yes"}
    except (EOFError, KeyboardInterrupt):
        return False


def interrupted(scheduler: Scheduler, interactive: bool, confirm: Callable[[str], bool]) -> int:
    """After Ctrl-C: offer to stop the running backfills on a terminal, otherwise say how to stop them."""
    running = [b for b in scheduler.followed.values() if b["status"] in ACTIVE - {"STOPPING"}]
    if running and interactive and confirm(f"stop the {len(running)} running backfill(s)? [y/N] "):
        with translated_errors(scheduler.source.account_id, "ecr"):
            for backfill in running:
                scheduler.ecr.stop_replication_backfill(replicationBackfillId=backfill["replicationBackfillId"])
                output.note(f"stopping backfill {backfill['replicationBackfillId']}")
        return EXIT_INTERRUPTED
    for backfill in running:
        output.note(
            f"backfill {backfill['replicationBackfillId']} keeps running; stop it with `aws ecr stop-replication-backfill "
            f"--replication-backfill-id {backfill['replicationBackfillId']} --region {scheduler.source.region}`"
        )
    if scheduler.queue:
        output.note(f"not started (still queued): {', '.join(map(str, scheduler.queue))}; run backfill again to continue")
    return EXIT_INTERRUPTED
