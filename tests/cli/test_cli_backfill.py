"""``ecr-replication backfill``: moto holds the registry, a botocore Stubber answers the backfill APIs."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import pytest
from botocore.stub import Stubber

from replication.cli import backfill
from tests.cli.conftest import Cli, DEST_A, DEST_B, SOURCE, Registry

EU, WEST = "eu-west-1", "us-west-2"
STARTED = datetime(2026, 1, 1)
IDS = {(EU, DEST_A): "00000000-0000-0000-0000-00000000000a", (WEST, DEST_A): "00000000-0000-0000-0000-00000000000b",
       (WEST, DEST_B): "00000000-0000-0000-0000-00000000000c"}


def destination(region: str, account: str) -> dict[str, str]:
    """The API shape of a destination."""
    return {"region": region, "registryId": account}


def record(region: str, account: str, state: str, done: int = 0, total: int = 2, failed: int = 0) -> dict[str, Any]:
    """A ``list_replication_backfills`` entry."""
    return {"replicationBackfillId": IDS[(region, account)], "destination": destination(region, account), "status": state,
            "startedAt": STARTED, "progress": {"totalReplicationCount": total, "completedReplicationCount": done,
                                               "failedReplicationCount": failed, "failureCodes": []}}


def expect_start(stub: Stubber, region: str, account: str) -> None:
    """The next call starts a backfill for (region, account) and succeeds."""
    stub.add_response("start_replication_backfill",
                      {"replicationBackfillId": IDS[(region, account)], "registryId": SOURCE,
                       "destination": destination(region, account), "status": "PREPARING", "startedAt": STARTED},
                      {"destination": destination(region, account)})


def expect_results(stub: Stubber, region: str, account: str, *results: dict[str, Any]) -> None:
    """The per-image results of one backfill, one page."""
    stub.add_response("describe_replication_backfill_results",
                      {"replicationBackfillId": IDS[(region, account)], "status": "COMPLETE", "results": list(results)},
                      {"replicationBackfillId": IDS[(region, account)]})


def result(repository: str, tag: str, state: str = "COMPLETE", code: str | None = None) -> dict[str, Any]:
    """One per-image result."""
    return {"repositoryName": repository, "imageId": {"imageTag": tag}, "status": state} | ({"failureCode": code} if code else {})


@pytest.fixture
def three_destinations(registry: Registry) -> Registry:
    """One rule replicating ``prod`` to eu-west-1 and to two accounts in us-west-2 (the same region)."""
    registry.replicate([(WEST, DEST_A), (WEST, DEST_B), (EU, DEST_A)], ["prod"])
    return registry


def run(cli: Cli, argv: list[str], sleeps: list[float] | None = None, **kwargs: Any) -> int:
    """Parse ``backfill`` arguments with the real parser and run with a recorded, instant sleep."""
    recorded = [] if sleeps is None else sleeps
    return backfill.run(cli.parse(["backfill", *argv]), sleep=recorded.append, **kwargs)


def test_queues_per_region_and_prints_failures_first(three_destinations: Registry, backfill_stub: Stubber,
                                                       capsys: pytest.CaptureFixture[str], cli: Cli) -> None:
    """Same-region destinations wait their turn; results list failures first; progress reaches 100%."""
    stub = backfill_stub
    stub.add_response("list_replication_backfills", {"backfills": []}, {})
    expect_start(stub, EU, DEST_A)
    expect_start(stub, WEST, DEST_A)  # WEST/DEST_B waits: one backfill per destination region at a time
    stub.add_response("list_replication_backfills", {"backfills": [record(EU, DEST_A, "IN_PROGRESS", 1), record(WEST, DEST_A, "IN_PROGRESS")]}, {})
    stub.add_response("list_replication_backfills", {"backfills": [record(EU, DEST_A, "COMPLETE", 2), record(WEST, DEST_A, "COMPLETE", 2)]}, {})
    expect_start(stub, WEST, DEST_B)
    stub.add_response("list_replication_backfills", {"backfills": [
        record(EU, DEST_A, "COMPLETE", 2), record(WEST, DEST_A, "COMPLETE", 2), record(WEST, DEST_B, "COMPLETE", 1, failed=1)]}, {})
    expect_results(stub, EU, DEST_A, result("prod/api", "v1"), result("prod/web", "v1"))
    expect_results(stub, WEST, DEST_A, result("prod/api", "v1"), result("prod/web", "v1"))
    expect_results(stub, WEST, DEST_B, result("prod/api", "v1"), result("prod/web", "v1", "FAILED", "REPLICATION_DENIED"))
    sleeps: list[float] = []
    assert run(cli, ["--poll-interval", "20s"], sleeps) == backfill.EXIT_FAILED
    assert sleeps == [20.0, 20.0, 20.0]
    captured = capsys.readouterr()
    results = captured.out.split("\n\n")[1].splitlines()
    assert results[1].split() == [f"{DEST_B}/{WEST}", "prod/web", "v1", "FAILED", "(REPLICATION_DENIED)"]
    assert f"started backfill {IDS[(WEST, DEST_B)]} for {DEST_B}/{WEST}" in captured.err
    assert captured.err.splitlines()[-1] == (
        "[" + "#" * 30 + "] 100% 3/3 destinations, 6/6 images (1 failed), 0 running, 0 queued")
    assert percentages(captured.err) == sorted(percentages(captured.err))
    summary = captured.out.split("\n\n")[0].splitlines()
    assert [line.split(maxsplit=2) for line in summary[1:]] == [
        [f"{DEST_A}/{EU}", IDS[(EU, DEST_A)], "COMPLETE"],
        [f"{DEST_A}/{WEST}", IDS[(WEST, DEST_A)], "COMPLETE"],
        [f"{DEST_B}/{WEST}", IDS[(WEST, DEST_B)], "FAILED (1 of 2 images)"]]


def percentages(err: str) -> list[int]:
    """The percentages of the progress lines on stderr, in order."""
    return [int(line.split("]")[1].split("%")[0]) for line in err.splitlines() if line.startswith("[")]


def test_progress_never_goes_backwards_while_totals_grow(three_destinations: Registry, backfill_stub: Stubber,
                                                         capsys: pytest.CaptureFixture[str], cli: Cli) -> None:
    """AWS's totalReplicationCount grows while a backfill is still counting images (PREPARING); a second backfill
    starting adds its images. The bar's share of each destination only ever grows."""
    stub = backfill_stub
    stub.add_response("list_replication_backfills", {"backfills": []}, {})
    expect_start(stub, EU, DEST_A)
    expect_start(stub, WEST, DEST_A)
    stub.add_response("list_replication_backfills", {"backfills": [
        record(EU, DEST_A, "IN_PROGRESS", 9, total=10), record(WEST, DEST_A, "PREPARING", 0, total=0)]}, {})
    stub.add_response("list_replication_backfills", {"backfills": [
        record(EU, DEST_A, "IN_PROGRESS", 9, total=40), record(WEST, DEST_A, "IN_PROGRESS", 1, total=2)]}, {})
    stub.add_response("list_replication_backfills", {"backfills": [
        record(EU, DEST_A, "COMPLETE", 40, total=40), record(WEST, DEST_A, "COMPLETE", 2, total=2)]}, {})
    expect_start(stub, WEST, DEST_B)
    stub.add_response("list_replication_backfills", {"backfills": [
        record(EU, DEST_A, "COMPLETE", 40, total=40), record(WEST, DEST_A, "COMPLETE", 2, total=2),
        record(WEST, DEST_B, "COMPLETE", 2, total=2)]}, {})
    for region, account in ((EU, DEST_A), (WEST, DEST_A), (WEST, DEST_B)):
        expect_results(stub, region, account, result("prod/api", "v1"))
    assert run(cli, []) == backfill.EXIT_DONE
    shown = percentages(capsys.readouterr().err)
    assert shown == sorted(shown) and shown[-1] == 100 and len(set(shown)) > 2


def test_rerun_follows_running_backfill(three_destinations: Registry, backfill_stub: Stubber, capsys: pytest.CaptureFixture[str], cli: Cli) -> None:
    """A destination already being backfilled is followed, never restarted."""
    stub = backfill_stub
    stub.add_response("list_replication_backfills", {"backfills": [record(WEST, DEST_A, "IN_PROGRESS", 1), record(EU, DEST_A, "COMPLETE", 2)]}, {})
    stub.add_response("list_replication_backfills", {"backfills": [record(WEST, DEST_A, "COMPLETE", 2), record(EU, DEST_A, "COMPLETE", 2)]}, {})
    expect_results(stub, WEST, DEST_A, result("prod/api", "v1"))
    assert run(cli, ["--destination", f"{DEST_A}/{WEST}", "--json"]) == backfill.EXIT_DONE
    captured = capsys.readouterr()
    assert f"following backfill {IDS[(WEST, DEST_A)]} already running" in captured.err
    document = json.loads(captured.out)
    assert [(b["replicationBackfillId"], b["status"]) for b in document["backfills"]] == [(IDS[(WEST, DEST_A)], "COMPLETE")]
    assert document["results"] == [{"destination": destination(WEST, DEST_A), "repositoryName": "prod/api",
                                    "imageId": {"imageTag": "v1"}, "status": "COMPLETE"}]
    stub.assert_no_pending_responses()  # no start_replication_backfill call was made


def test_aws_refusals_keep_destinations_queued(three_destinations: Registry, backfill_stub: Stubber, cli: Cli) -> None:
    """InProgress and LimitExceeded refusals keep destinations queued; listing pages are followed."""
    stub = backfill_stub
    stub.add_response("list_replication_backfills", {"backfills": []}, {})
    stub.add_client_error("start_replication_backfill", "ReplicationBackfillInProgressException", expected_params={"destination": destination(EU, DEST_A)})
    stub.add_client_error("start_replication_backfill", "LimitExceededException", expected_params={"destination": destination(WEST, DEST_A)})
    stub.add_response("list_replication_backfills", {"backfills": []}, {})
    expect_start(stub, EU, DEST_A)
    expect_start(stub, WEST, DEST_A)
    stub.add_response("list_replication_backfills", {"backfills": [record(EU, DEST_A, "COMPLETE", 2), record(WEST, DEST_A, "COMPLETE", 2)]}, {})
    expect_start(stub, WEST, DEST_B)
    stub.add_response("list_replication_backfills", {"backfills": [record(WEST, DEST_B, "COMPLETE", 2)], "nextToken": "p2"}, {})
    stub.add_response("list_replication_backfills", {"backfills": [record(EU, DEST_A, "COMPLETE", 2), record(WEST, DEST_A, "COMPLETE", 2)]}, {"nextToken": "p2"})
    for key in IDS:
        expect_results(stub, *key, result("prod/api", "v1"))
    assert run(cli, []) == backfill.EXIT_DONE


def test_registry_limit_queues_the_rest(registry: Registry, backfill_stub: Stubber, cli: Cli) -> None:
    """Ten backfills already run in other regions: nothing new may start until one ends."""
    registry.replicate([(WEST, DEST_A)], [])
    others = [{**record(WEST, DEST_A, "IN_PROGRESS"), "destination": destination(f"ap-south-{n}", DEST_B),
               "replicationBackfillId": f"00000000-0000-0000-0000-0000000001{n:02d}"} for n in range(10)]
    backfill_stub.add_response("list_replication_backfills", {"backfills": others}, {})
    backfill_stub.add_response("list_replication_backfills", {"backfills": others[1:]}, {})
    expect_start(backfill_stub, WEST, DEST_A)
    backfill_stub.add_response("list_replication_backfills", {"backfills": [record(WEST, DEST_A, "COMPLETE", 2)]}, {})
    expect_results(backfill_stub, WEST, DEST_A, result("app", "v1"))
    assert run(cli, []) == backfill.EXIT_DONE


def test_dry_run_counts_without_backfill_calls(three_destinations: Registry, backfill_stub: Stubber, capsys: pytest.CaptureFixture[str], cli: Cli) -> None:
    """--dry-run counts repositories and distinct images per destination and calls no backfill API."""
    for repository, tag in [("prod/api", "v1"), ("prod/api", "v2"), ("prod-web", "v1"), ("dev/api", "v1")]:
        three_destinations.push(repository, tag)
    assert cli.main(["backfill", "--dry-run", "--destination", EU, "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["destinations"] == [{"region": EU, "registryId": DEST_A, "repositories": 2, "images": 3}]


def test_dry_run_pages_of_images(three_destinations: Registry, stub_operations: Any, capsys: pytest.CaptureFixture[str], cli: Cli) -> None:
    """--dry-run follows list_images pages and counts a digest with two tags once."""
    three_destinations.push("prod/api")
    pages = stub_operations("list_images")
    pages.add_response("list_images", {"imageIds": [{"imageDigest": "sha256:1", "imageTag": "a"}, {"imageDigest": "sha256:1", "imageTag": "b"}],
                                       "nextToken": "n"}, {"repositoryName": "prod/api"})
    pages.add_response("list_images", {"imageIds": [{"imageDigest": "sha256:2"}]}, {"repositoryName": "prod/api", "nextToken": "n"})
    assert cli.main(["backfill", "--dry-run"]) == 0
    assert capsys.readouterr().out.splitlines()[1].split() == [f"{DEST_A}/{EU}", "1", "2"]


def test_unknown_destination(three_destinations: Registry, capsys: pytest.CaptureFixture[str], cli: Cli) -> None:
    """A --destination outside the configuration is an error listing the configured ones."""
    assert cli.main(["backfill", "--destination", "ap-east-1"]) == 2
    assert capsys.readouterr().err == (
        "ecr-replication backfill: error: destination 'ap-east-1' is not in the replication configuration "
        f"(configured: {DEST_A}/{EU}, {DEST_A}/{WEST}, {DEST_B}/{WEST})\n")


def interrupt(_: float) -> None:
    """A sleep during which the user presses Ctrl-C."""
    raise KeyboardInterrupt


def started_one(stub: Stubber) -> None:
    """The registry has no backfill yet and one starts for eu-west-1."""
    stub.add_response("list_replication_backfills", {"backfills": []}, {})
    expect_start(stub, EU, DEST_A)


def test_ctrl_c_without_terminal_stops_nothing(three_destinations: Registry, backfill_stub: Stubber, capsys: pytest.CaptureFixture[str], cli: Cli) -> None:
    """Ctrl-C without a terminal stops nothing and prints how to stop each backfill."""
    started_one(backfill_stub)
    expect_start(backfill_stub, WEST, DEST_A)
    code = backfill.run(cli.parse(["backfill"]), sleep=interrupt, interactive=False, confirm=pytest.fail)
    assert code == backfill.EXIT_INTERRUPTED
    err = capsys.readouterr().err
    assert f"aws ecr stop-replication-backfill --replication-backfill-id {IDS[(EU, DEST_A)]} --region us-east-1" in err
    assert f"not started (still queued): {DEST_B}/{WEST}; run backfill again to continue" in err


def test_ctrl_c_on_terminal_stops_when_confirmed(three_destinations: Registry, backfill_stub: Stubber, cli: Cli) -> None:
    """Ctrl-C on a terminal asks once, then stops the running backfills."""
    started_one(backfill_stub)
    backfill_stub.add_response("stop_replication_backfill", {"replicationBackfillId": IDS[(EU, DEST_A)], "status": "STOPPING"},
                               {"replicationBackfillId": IDS[(EU, DEST_A)]})
    questions: list[str] = []
    code = backfill.run(cli.parse(["backfill", "--destination", EU]), sleep=interrupt, interactive=True,
                        confirm=lambda q: questions.append(q) or True)
    assert code == backfill.EXIT_INTERRUPTED
    assert questions == ["stop the 1 running backfill(s)? [y/N] "]
