"""``ecr-replication status`` against moto, with replication statuses from a model-checked responder."""

from __future__ import annotations

import json
import threading
from datetime import datetime
from typing import Any

import pytest

from replication.cli import status
from replication.cli.errors import CliError
from tests.cli.conftest import Cli, DEST_A, DEST_B, SOURCE, Registry
from tests.cli.fakes import DENIED, SERVER_ERROR, TOO_MANY, CallCounter, ClientHook, ReplicationStatuses, failing
from tests.cli.fakes import status as entry

WEST, EU = "us-west-2", "eu-west-1"
DIGESTS = [f"sha256:{n:064x}" for n in range(1, 5)]


@pytest.fixture
def statuses(hooks: list[ClientHook]) -> ReplicationStatuses:
    """The responder behind every ECR client the CLI makes."""
    responder = ReplicationStatuses()
    hooks.append(responder.hook)
    return responder


class FakeClock:
    """A monotonic clock that only ``sleep`` moves."""

    def __init__(self) -> None:
        """Start at zero with no sleeps."""
        self.now = 0.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        """The current time."""
        return self.now

    def sleep(self, seconds: float) -> None:
        """Advance the clock."""
        self.sleeps.append(seconds)
        self.now += seconds


def run(cli: Cli, argv: list[str], clock: FakeClock | None = None) -> int:
    """Parse ``status`` arguments with the real parser and run them on a fake clock."""
    clock = clock or FakeClock()
    return status.run(cli.parse(["status", *argv]), clock=clock, sleep=clock.sleep)


@pytest.fixture
def one_image(registry: Registry, statuses: ReplicationStatuses) -> str:
    """``prod/api:v1`` replicated (by rule ``prod``) to two destinations; returns its digest."""
    registry.replicate([(WEST, DEST_A), (EU, DEST_B)], ["prod"])
    return registry.push("prod/api", "v1")


BACKFILL_NOTE = ("1 image(s) NOT_STARTED: AWS reports no replication of them to {}; replication copies only images "
                 "pushed after the rule for a destination existed, so it won't copy these: run `ecr-replication "
                 "backfill {}` (--dry-run first shows what it would copy)")


def test_empty_status_is_not_started_not_success(one_image: str, statuses: ReplicationStatuses, capsys: pytest.CaptureFixture[str], cli: Cli) -> None:
    """An empty replicationStatuses list (an image pushed before the configuration existed: DescribeImageReplicationStatus
    lists no destination) shows NOT_STARTED for every destination and exits 3, not 0; stderr names the backfill."""
    statuses.set("prod/api", one_image)
    assert run(cli, []) == status.EXIT_PENDING
    captured = capsys.readouterr()
    assert f"prod/api    v1     {DEST_B}/{EU}  NOT_STARTED" in captured.out
    assert f"{DEST_A}/{WEST}  NOT_STARTED" in captured.out
    assert BACKFILL_NOTE.format(f"{DEST_A}/{WEST}, {DEST_B}/{EU}",
                                f"--destination {DEST_A}/{WEST} --destination {DEST_B}/{EU}") in captured.err


def test_destination_missing_from_statuses_is_not_started(one_image: str, statuses: ReplicationStatuses, capsys: pytest.CaptureFixture[str], cli: Cli) -> None:
    """A configured destination absent from AWS's answer (added to the configuration after the push) is NOT_STARTED,
    and so is the result: nothing is on its way; --json carries every cell."""
    statuses.set("prod/api", one_image, entry(WEST, DEST_A, "COMPLETE"))
    assert run(cli, ["--json"]) == status.EXIT_PENDING
    captured = capsys.readouterr()
    document = json.loads(captured.out)
    assert document["result"] == "NOT_STARTED"
    assert document["images"][0]["destinations"] == [
        {"region": WEST, "registryId": DEST_A, "status": "COMPLETE", "failureCode": None},
        {"region": EU, "registryId": DEST_B, "status": "NOT_STARTED", "failureCode": None},
    ]
    assert BACKFILL_NOTE.format(f"{DEST_B}/{EU}", f"--destination {DEST_B}/{EU}") in captured.err


def test_in_progress_anywhere_is_pending(one_image: str, statuses: ReplicationStatuses, capsys: pytest.CaptureFixture[str],
                                         cli: Cli) -> None:
    statuses.set("prod/api", one_image, entry(WEST, DEST_A, "IN_PROGRESS"))
    assert run(cli, ["--json"]) == status.EXIT_PENDING
    assert json.loads(capsys.readouterr().out)["result"] == "PENDING"


def test_wait_does_not_wait_for_an_image_replication_never_started(
        one_image: str, statuses: ReplicationStatuses, capsys: pytest.CaptureFixture[str], cli: Cli) -> None:
    """Nothing is IN_PROGRESS: waiting can't change anything, so --wait ends at once and says to backfill."""
    statuses.set("prod/api", one_image)
    clock = FakeClock()
    assert run(cli, ["--wait", "--timeout", "30m", "--json"], clock) == status.EXIT_PENDING
    captured = capsys.readouterr()
    assert clock.sleeps == [] and statuses.calls == 1
    assert json.loads(captured.out)["result"] == "NOT_STARTED"
    assert "`ecr-replication backfill --destination" in captured.err


def test_wait_waits_for_what_is_in_progress_only(one_image: str, statuses: ReplicationStatuses,
                                                capsys: pytest.CaptureFixture[str], cli: Cli) -> None:
    """DEST_A/us-west-2 is on its way, DEST_B/eu-west-1 never started: --wait follows the first until it is COMPLETE,
    then stops with NOT_STARTED for the second (exit 3), long before the timeout."""
    steps = Sequence(statuses, one_image, [[entry(WEST, DEST_A, "IN_PROGRESS")], [entry(WEST, DEST_A, "COMPLETE")]])
    args = cli.parse(["status", "--wait", "--timeout", "30m", "--json"])
    assert status.run(args, clock=steps.clock, sleep=steps.sleep) == status.EXIT_PENDING
    assert steps.clock.sleeps == [5.0]
    assert [d["status"] for d in json.loads(capsys.readouterr().out)["images"][0]["destinations"]] == [
        "COMPLETE", "NOT_STARTED"]


def test_timeout_without_wait_is_a_usage_error(one_image: str, statuses: ReplicationStatuses,
                                               capsys: pytest.CaptureFixture[str], cli: Cli) -> None:
    assert cli.main(["status", "--timeout", "10m"]) == 2
    assert capsys.readouterr().err == ("ecr-replication status: error: --timeout needs --wait (it is how long --wait "
                                       "polls)\n")
    assert statuses.calls == 0


def test_failure_code_shown_and_exit_1(one_image: str, statuses: ReplicationStatuses, capsys: pytest.CaptureFixture[str], cli: Cli) -> None:
    """A FAILED destination shows its failure code and the exit code is 1."""
    statuses.set("prod/api", one_image, entry(WEST, DEST_A, "FAILED", "REPLICATION_PERMISSION_DENIED"), entry(EU, DEST_B, "COMPLETE"))
    assert run(cli, []) == status.EXIT_FAILED
    assert "FAILED (REPLICATION_PERMISSION_DENIED)" in capsys.readouterr().out


def test_all_complete_exit_0(one_image: str, statuses: ReplicationStatuses, cli: Cli) -> None:
    """An image picked by repository and tag, complete everywhere, exits 0."""
    statuses.set("prod/api", one_image, entry(WEST, DEST_A, "COMPLETE"), entry(EU, DEST_B, "COMPLETE"))
    assert run(cli, ["--repository", "prod/api", "--tag", "v1"]) == status.EXIT_COMPLETE


class Sequence:
    """Changes the reported statuses of one image at each sleep, like replication progressing."""

    def __init__(self, statuses: ReplicationStatuses, digest: str, steps: list[list[dict[str, str]]]) -> None:
        """Report ``steps[0]`` now and the next step after each sleep (the last one stays)."""
        self.statuses, self.digest, self.steps = statuses, digest, steps
        self.clock = FakeClock()
        self._show(0)

    def _show(self, index: int) -> None:
        self.statuses.set("prod/api", self.digest, *self.steps[min(index, len(self.steps) - 1)])

    def sleep(self, seconds: float) -> None:
        """Advance time and replication."""
        self.clock.sleep(seconds)
        self._show(len(self.clock.sleeps))


def test_wait_ends_complete_with_backoff(one_image: str, statuses: ReplicationStatuses, cli: Cli) -> None:
    """--wait polls with doubling delays until every destination is COMPLETE."""
    both = [entry(WEST, DEST_A, "IN_PROGRESS"), entry(EU, DEST_B, "IN_PROGRESS")]
    done = [entry(WEST, DEST_A, "COMPLETE"), entry(EU, DEST_B, "COMPLETE")]
    steps = Sequence(statuses, one_image, [both, both, both, done])
    args = cli.parse(["status", "--wait", "--timeout", "30m"])
    assert status.run(args, clock=steps.clock, sleep=steps.sleep) == status.EXIT_COMPLETE
    assert steps.clock.sleeps == [5.0, 10.0, 20.0]
    assert statuses.calls == 4


def test_wait_asks_again_after_a_check_aws_fails(one_image: str, statuses: ReplicationStatuses, hooks: list[ClientHook],
                                                 cli: Cli, capsys: pytest.CaptureFixture[str]) -> None:
    """The first check --wait makes fails after botocore's retries (ECR's 429 ThrottleException): a note, and the
    next check finds the image COMPLETE (it ended with exit 2, with the timeout far away)."""
    hooks.append(failing("describe_image_replication_status", TOO_MANY, after=1))
    both = [entry(WEST, DEST_A, "IN_PROGRESS"), entry(EU, DEST_B, "IN_PROGRESS")]
    done = [entry(WEST, DEST_A, "COMPLETE"), entry(EU, DEST_B, "COMPLETE")]
    steps = Sequence(statuses, one_image, [both, done])
    args = cli.parse(["status", "--wait", "--timeout", "30m"])
    assert status.run(args, clock=steps.clock, sleep=steps.sleep) == status.EXIT_COMPLETE
    assert steps.clock.sleeps == [5.0, 10.0]
    assert (f"1 of 1 status checks failed (ecr:DescribeImageReplicationStatus in account {SOURCE} is still throttled "
            "after retries (ThrottleException); retry later or raise AWS_MAX_ATTEMPTS); asking again at the next "
            "check") in capsys.readouterr().err


def test_wait_with_checks_aws_fails_until_the_timeout_ends_pending(
        one_image: str, statuses: ReplicationStatuses, hooks: list[ClientHook], cli: Cli,
        capsys: pytest.CaptureFixture[str]) -> None:
    """Every check after the first fails: --wait goes on until --timeout, then ends pending (3) with the status last
    read, and says the last check failed."""
    hooks.append(failing("describe_image_replication_status", SERVER_ERROR, after=1, always=True))
    statuses.set("prod/api", one_image, entry(WEST, DEST_A, "IN_PROGRESS"))
    clock = FakeClock()
    assert run(cli, ["--wait", "--timeout", "2m", "--json"], clock) == status.EXIT_PENDING
    captured = capsys.readouterr()
    assert sum(clock.sleeps) == pytest.approx(120.0)
    assert json.loads(captured.out)["result"] == "PENDING"
    assert "the last check of 1 image(s) failed: their status is the one read before it" in captured.err


def test_wait_asks_again_for_an_image_whose_first_status_aws_failed(
        one_image: str, statuses: ReplicationStatuses, hooks: list[ClientHook], cli: Cli,
        capsys: pytest.CaptureFixture[str]) -> None:
    """With --wait, the first status call is a check like the others: AWS failing it (a server error after
    botocore's retries) is asked again at the next check, which finds the image COMPLETE."""
    hooks.append(failing("describe_image_replication_status", SERVER_ERROR))
    statuses.set("prod/api", one_image, entry(WEST, DEST_A, "COMPLETE"), entry(EU, DEST_B, "COMPLETE"))
    clock = FakeClock()
    assert run(cli, ["--wait", "--timeout", "30m", "--json"], clock) == status.EXIT_COMPLETE
    captured = capsys.readouterr()
    assert clock.sleeps == [5.0]
    assert [d["status"] for d in json.loads(captured.out)["images"][0]["destinations"]] == ["COMPLETE", "COMPLETE"]
    assert "0 of 1 images still IN_PROGRESS somewhere, 1 not read yet; next check in 5s" in captured.err


def test_an_image_whose_status_aws_never_answered_ends_wait_with_the_error(
        one_image: str, statuses: ReplicationStatuses, hooks: list[ClientHook], cli: Cli) -> None:
    """No verdict about an image never read: once --timeout is out, the run ends with the last error (exit 2), as
    the same failure does at once without --wait."""
    hooks.append(failing("describe_image_replication_status", SERVER_ERROR, always=True))
    statuses.set("prod/api", one_image, entry(WEST, DEST_A, "COMPLETE"))
    clock = FakeClock()
    with pytest.raises(CliError) as raised:
        run(cli, ["--wait", "--timeout", "1m"], clock)
    assert str(raised.value) == (
        "the replication status of 1 image(s) could not be read (the last try of prod/api:v1: "
        f"ecr:DescribeImageReplicationStatus failed in account {SOURCE}: ServerException: Internal error)")
    assert sum(clock.sleeps) == pytest.approx(60.0)
    with pytest.raises(CliError, match="^ecr:DescribeImageReplicationStatus failed in account"):
        run(cli, [], FakeClock())


def test_wait_ends_at_a_check_aws_refuses(one_image: str, statuses: ReplicationStatuses, hooks: list[ClientHook],
                                          cli: Cli) -> None:
    """An access denial is no failure to wait out: the run ends at that check (exit 2)."""
    hooks.append(failing("describe_image_replication_status", DENIED, after=1))
    statuses.set("prod/api", one_image, entry(WEST, DEST_A, "IN_PROGRESS"))
    clock = FakeClock()
    with pytest.raises(CliError, match=f"access denied: account {SOURCE} is not allowed to call "
                                       "ecr:DescribeImageReplicationStatus"):
        run(cli, ["--wait", "--timeout", "30m"], clock)
    assert clock.sleeps == [5.0]


def test_wait_stops_at_first_failure(one_image: str, statuses: ReplicationStatuses, cli: Cli) -> None:
    """--wait stops as soon as one destination FAILED, without waiting for the rest."""
    steps = Sequence(statuses, one_image, [[entry(WEST, DEST_A, "IN_PROGRESS")], [entry(WEST, DEST_A, "FAILED", "X"), entry(EU, DEST_B, "IN_PROGRESS")]])
    args = cli.parse(["status", "--wait"])
    assert status.run(args, clock=steps.clock, sleep=steps.sleep) == status.EXIT_FAILED
    assert len(steps.clock.sleeps) == 1


def test_wait_times_out_pending(one_image: str, statuses: ReplicationStatuses, capsys: pytest.CaptureFixture[str], cli: Cli) -> None:
    """--wait gives up at --timeout with exit 3, never sleeping past the deadline or the delay cap."""
    statuses.set("prod/api", one_image, entry(WEST, DEST_A, "IN_PROGRESS"))
    clock = FakeClock()
    assert run(cli, ["--wait", "--timeout", "2m"], clock) == status.EXIT_PENDING
    assert sum(clock.sleeps) == pytest.approx(120.0)
    assert max(clock.sleeps) <= status.MAX_POLL_DELAY
    assert "1 of 1 images still IN_PROGRESS somewhere; next check in 5s" in capsys.readouterr().err


def test_pages_of_repositories_and_images(registry: Registry, statuses: ReplicationStatuses, stub_operations: Any, capsys: pytest.CaptureFixture[str], cli: Cli) -> None:
    """moto returns everything in one page, so the listing pages come from a Stubber (which answers in call
    order: one worker keeps that order, repositories first, then each one's images)."""
    registry.replicate([(WEST, DEST_A)], ["team"])
    pages = stub_operations("describe_repositories", "describe_images")
    image = {"registryId": SOURCE, "repositoryName": "team/a"}
    pages.add_response("describe_repositories", {"repositories": [{"repositoryName": "team/a"}, {"repositoryName": "other/x"}], "nextToken": "r2"}, {})
    pages.add_response("describe_repositories", {"repositories": [{"repositoryName": "team/b"}]}, {"nextToken": "r2"})
    pages.add_response("describe_images", {"imageDetails": [
        {**image, "imageDigest": DIGESTS[0], "imageTags": ["old"], "imagePushedAt": datetime(2025, 1, 1)},
        {**image, "imageDigest": DIGESTS[1], "imagePushedAt": datetime(2025, 1, 3)},
    ], "nextToken": "i2"}, {"repositoryName": "team/a"})
    pages.add_response("describe_images", {"imageDetails": [
        {**image, "imageDigest": DIGESTS[2], "imageTags": ["new"], "imagePushedAt": datetime(2025, 1, 2)},
    ]}, {"repositoryName": "team/a", "nextToken": "i2"})
    pages.add_response("describe_images", {"imageDetails": [
        {**image, "repositoryName": "team/b", "imageDigest": DIGESTS[3], "imagePushedAt": datetime(2025, 1, 1)},
    ]}, {"repositoryName": "team/b"})
    for repository, digest in [("team/a", DIGESTS[1]), ("team/a", DIGESTS[2]), ("team/b", DIGESTS[3])]:
        statuses.set(repository, digest, entry(WEST, DEST_A, "COMPLETE"))
    assert run(cli, ["--latest", "2", "--json", "--max-workers", "1"]) == status.EXIT_COMPLETE
    shown = [(i["repositoryName"], i["imageDigest"]) for i in json.loads(capsys.readouterr().out)["images"]]
    assert shown == [("team/a", DIGESTS[1]), ("team/a", DIGESTS[2]), ("team/b", DIGESTS[3])]
    assert statuses.calls == 3


def test_calls_made_are_what_the_data_needs(registry: Registry, statuses: ReplicationStatuses, hooks: list[ClientHook], cli: Cli) -> None:
    """One status call per selected image and one listing per repository: no call the data does not need."""
    registry.replicate([(WEST, DEST_A)], ["svc"])
    registry.push("other")
    for repository in ("svc/a", "svc/b", "svc/c"):
        for tag in ("v1", "v2", "v3"):
            statuses.set(repository, registry.push(repository, tag), entry(WEST, DEST_A, "COMPLETE"))
    counter = CallCounter()
    hooks.insert(0, counter.hook)
    assert run(cli, ["--latest", "2", "--max-workers", "4"]) == status.EXIT_COMPLETE
    assert counter.calls == {"GetCallerIdentity": 1, "DescribeRegistry": 1, "DescribeRepositories": 1,
                             "DescribeImages": 3, "DescribeImageReplicationStatus": 6}


def test_status_calls_follow_each_listing_as_it_arrives(registry: Registry, statuses: ReplicationStatuses, hooks: list[ClientHook], cli: Cli) -> None:
    """One pool lists the repositories' images and asks for their status: a repository whose listing is slow
    doesn't hold back the status calls of one already listed (a DescribeImages stuck until a status call has
    been sent would wait forever if every listing had to finish first)."""
    registry.replicate([(WEST, DEST_A)], ["svc"])
    for repository in ("svc/a", "svc/b"):
        statuses.set(repository, registry.push(repository, "v1"), entry(WEST, DEST_A, "COMPLETE"))
    status_sent, waited = threading.Event(), []

    def slow_listing(params: dict[str, Any], **_: Any) -> None:
        if params["repositoryName"] == "svc/b":
            waited.append(status_sent.wait(timeout=5))

    def watch(service: str, client: Any) -> Any:
        if service == "ecr":
            client.meta.events.register("before-parameter-build.ecr.DescribeImageReplicationStatus", lambda **_: status_sent.set())
            client.meta.events.register("before-parameter-build.ecr.DescribeImages", slow_listing)
        return client

    hooks.insert(0, watch)
    assert run(cli, ["--max-workers", "2"]) == status.EXIT_COMPLETE
    assert waited == [True]


def test_latest_picks_most_recent(registry: Registry, statuses: ReplicationStatuses, capsys: pytest.CaptureFixture[str], cli: Cli) -> None:
    """--latest N keeps the N most recently pushed images, newest first."""
    registry.replicate([(WEST, DEST_A)], [])
    digests = [registry.push("app", f"v{j}") for j in range(3)]
    for digest in digests:
        statuses.set("app", digest, entry(WEST, DEST_A, "COMPLETE"))
    assert run(cli, ["--latest", "2", "--json"]) == status.EXIT_COMPLETE
    shown = [image["imageDigest"] for image in json.loads(capsys.readouterr().out)["images"]]
    assert shown == [digests[2], digests[1]]


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--repository", "dev/api"], "repository 'dev/api' is not matched by any replication rule"),
        (["--repository", "prod/none"], "unknown repository in account 123456789012"),
        (["--repository", "prod/api", "--tag", "nope"], "unknown image in account 123456789012"),
        (["--tag", "v1"], "--tag and --digest need --repository"),
        (["--region", "us-est-1"], "'us-est-1': botocore"),
    ],
)
def test_errors_are_one_line(one_image: str, argv: list[str], message: str, capsys: pytest.CaptureFixture[str], cli: Cli) -> None:
    """User mistakes and missing things are one stderr line with exit 2, never a traceback."""
    assert cli.main(["status", *argv]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and message in err and "Traceback" not in err
    if "--region" in argv:
        assert "did you mean 'us-east-1'?" in err and "us-west-1" not in err


def test_no_replication_configuration(registry: Registry, statuses: ReplicationStatuses, capsys: pytest.CaptureFixture[str], cli: Cli) -> None:
    """A registry without replication rules is an error that says what to do."""
    assert cli.main(["status"]) == 2
    assert capsys.readouterr().err == (
        "ecr-replication status: error: registry 123456789012/us-east-1 has no replication configuration; "
        "deploy the EcrReplication component (pulumi up) first\n"
    )


def test_no_image_to_ask_about_is_no_verdict(registry: Registry, statuses: ReplicationStatuses, cli: Cli,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    """Rules that match no repository with images: nothing was read, so status can't say COMPLETE (exit 3)."""
    registry.replicate([(WEST, DEST_A)], ["prod"])
    assert run(cli, ["--json"]) == status.EXIT_PENDING
    captured = capsys.readouterr()
    assert json.loads(captured.out)["result"] == "NOTHING_TO_CHECK"
    assert "nothing to check, so no verdict" in captured.err
    assert run(cli, []) == status.EXIT_PENDING
    captured = capsys.readouterr()
    assert captured.out == "" and "nothing to check, so no verdict" in captured.err  # no table of no rows
