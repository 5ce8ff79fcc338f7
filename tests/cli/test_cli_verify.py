"""``ecr-replication verify`` against moto on 127.0.0.1, with :class:`FakeReplication` playing AWS's part.

moto stores repositories, layer uploads and images in every account, but never replicates and has no
``DescribeImageReplicationStatus``: the helper copies the pushed image into each destination account after a
delay on the test's clock (or never, or reports FAILED), creating the repository there with the settings a
creation template would give it, and answers the status call through a responder validated against botocore's
model. Waiting runs on a fake clock, so timeouts of minutes take no time.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import tarfile
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import botocore.exceptions
import pytest
from botocore.stub import Stubber

from replication.cli import verify
from replication.cli.canaries import choose_canaries
from replication.cli.canary_image import CANARY_FILE, CANARY_TEXT, build_canary_image, push_image
from replication.cli.errors import CliError
from replication.cli.main import build_parser
from replication.cli.output import redacted_streams
from replication.ecr_semantics import Registry as Reg
from replication.ecr_semantics import Rule
from tests.cli.conftest import DEST_A, DEST_B, REGION, SOURCE, Cli, Registry
from tests.cli.fakes import (DENIED, SERVER_ERROR, TOO_MANY, CallCounter, ClientHook, Delivery, FakeReplication,
                             ReplicationStatuses, aws_error, failing)

WEST, EU = "us-west-2", "eu-west-1"
CANARY = "prod/ecr-replication-canary"
ROLES = ["--destination-role-arn", f"{DEST_A}=arn:aws:iam::{DEST_A}:role/verify",
         "--destination-role-arn", f"{DEST_B}=arn:aws:iam::{DEST_B}:role/verify"]
KEY = f"arn:aws:kms:{WEST}:{DEST_A}:key/1234abcd-12ab-34cd-56ef-1234567890ab"
TEMPLATE_ROLE = f"arn:aws:iam::{DEST_A}:role/images-template-role-{DEST_A}"
LIFECYCLE = {"rules": [{"rulePriority": 1, "description": "Keep the last 200 images", "action": {"type": "expire"},
                        "selection": {"tagStatus": "any", "countType": "imageCountMoreThan", "countNumber": 200}}]}
AS_DECLARED = {"imageTagMutability": "IMMUTABLE", "encryptionConfiguration": {"encryptionType": "KMS", "kmsKey": KEY},
               "tags": [{"Key": "team", "Value": "platform"}], "lifecyclePolicyText": json.dumps(LIFECYCLE)}
"""What the plan's template below gives a repository replication creates in DEST_A/us-west-2."""


class Clock:
    """A monotonic clock only ``sleep`` moves (from an arbitrary origin, as monotonic clocks have); each sleep lets
    replication advance to the time since the push."""

    ORIGIN = 5000.0

    def __init__(self, replication: FakeReplication) -> None:
        self.now = self.ORIGIN
        self.sleeps: list[float] = []
        self.replication = replication

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        assert 0 < seconds and sum(self.sleeps) < 24 * 3600, f"verify keeps waiting ({seconds} s after {self.sleeps})"
        self.sleeps.append(seconds)
        self.now += seconds
        self.replication.advance(self.now - self.ORIGIN)


@pytest.fixture
def replication(registry: Registry, hooks: list[ClientHook]) -> FakeReplication:
    """prod/ replicated to DEST_A/us-west-2 and DEST_B/eu-west-1; AWS's part played by the helper."""
    registry.replicate([(WEST, DEST_A), (EU, DEST_B)], ["prod/"])
    statuses = ReplicationStatuses()
    helper = FakeReplication(statuses, registry.account_session)
    hooks.extend([statuses.hook, helper.hook])
    return helper


@pytest.fixture
def clock(replication: FakeReplication) -> Clock:
    return Clock(replication)


PUSHED_AT = datetime(2026, 1, 2, 3, 4, 5, 678901, tzinfo=timezone.utc)
"""The UTC time of the push in these tests."""


def run(cli: Cli, clock: Clock, *argv: str, now: datetime = PUSHED_AT) -> int:
    """Run verify with the real parser on the fake clock, pushing at ``now``, printing through the redacting streams
    every command prints through."""
    with redacted_streams():
        return verify.run(cli.parse(["verify", *argv]), clock=clock, sleep=clock.sleep, now=lambda: now)


def report(capsys: pytest.CaptureFixture[str]) -> dict[str, Any]:
    return json.loads(capsys.readouterr().out)


def destinations(document: dict[str, Any]) -> dict[str, dict[str, Any]]:
    [canary] = document["canaries"]
    return {d["registry"]: d for d in canary["destinations"]}


def images(registry: Registry, account: str, region: str, repository: str = CANARY) -> list[dict[str, Any]]:
    """The images of a repository in another moto account, read with that account's credentials."""
    ecr = registry.account_session(account, region).client("ecr")
    return ecr.describe_images(repositoryName=repository)["imageDetails"]


def test_every_destination_verified_with_arrival_times(cli: Cli, clock: Clock, replication: FakeReplication,
                                                       registry: Registry, capsys: pytest.CaptureFixture[str]) -> None:
    """Both copies land (after 7 s and 20 s); checks at 0, 2, 6, 14 and 24 s (backoff capped at 10 s) see them at 14
    and 24 s."""
    replication.deliver(DEST_A, WEST, Delivery(after=7))
    replication.deliver(DEST_B, EU, Delivery(after=20))
    assert run(cli, clock, *ROLES, "--json") == verify.EXIT_VERIFIED
    document = report(capsys)
    assert document["result"] == "VERIFIED" and document["sourceRegistry"] == f"{SOURCE}/{REGION}"
    [canary] = document["canaries"]
    assert canary["repositoryName"] == CANARY and canary["repositoryCreated"] is True
    assert (canary["imageTag"], canary["pushedAt"]) == ("canary-20260102T030405Z", "2026-01-02T03:04:05.678901+00:00")
    found = destinations(document)
    assert [(r, d["result"], d["arrivalSeconds"], d["notYetAtSeconds"]) for r, d in found.items()] == [
        (f"{DEST_A}/{WEST}", "VERIFIED", 14.0, 6.0), (f"{DEST_B}/{EU}", "VERIFIED", 24.0, 14.0)]
    assert clock.sleeps == [2.0, 4.0, 8.0, 10.0]
    assert all(d["replicationStatus"] == "COMPLETE" and d["imagePresent"] for d in found.values())


def test_text_report_and_progress(cli: Cli, clock: Clock, replication: FakeReplication,
                                  capsys: pytest.CaptureFixture[str]) -> None:
    replication.deliver(DEST_A, WEST, Delivery(after=1))
    replication.deliver(DEST_B, EU, Delivery(after=1))
    assert run(cli, clock, *ROLES) == 0
    captured = capsys.readouterr()
    lines = captured.out.splitlines()
    assert lines[1:3] == [f"  {DEST_A}/{WEST}: verified: arrived 2s after the push (not yet at 0s)",
                          f"  {DEST_B}/{EU}: verified: arrived 2s after the push (not yet at 0s)"]
    assert lines[-1] == "verified: 2 of 2 destination(s) verified"
    assert "next check in 2s" in captured.err and f"{DEST_A}/{WEST}: {CANARY}:canary-" in captured.err
    assert "``" not in captured.out


def test_a_destination_that_never_receives_the_image_times_out(cli: Cli, clock: Clock, replication: FakeReplication,
                                                               capsys: pytest.CaptureFixture[str]) -> None:
    """DEST_B stays IN_PROGRESS: after --timeout the run ends not verified (3), saying the image never came."""
    replication.deliver(DEST_A, WEST, Delivery(after=3))
    replication.deliver(DEST_B, EU, Delivery(after=None))
    assert run(cli, clock, *ROLES, "--timeout", "2m", "--json") == verify.EXIT_NOT_VERIFIED
    found = destinations(report(capsys))
    assert found[f"{DEST_A}/{WEST}"]["result"] == "VERIFIED"
    late = found[f"{DEST_B}/{EU}"]
    assert (late["result"], late["replicationStatus"], late["imagePresent"]) == ("NOT_VERIFIED", "IN_PROGRESS", False)
    assert late["problem"] == "timed out: replication is IN_PROGRESS and the image has not arrived"
    assert late["cleanup"] == "not there"
    assert sum(clock.sleeps) == 120.0 and max(clock.sleeps) == verify.MAX_POLL_DELAY


def test_complete_status_without_the_image_in_the_destination_is_not_verified(
        cli: Cli, clock: Clock, replication: FakeReplication, capsys: pytest.CaptureFixture[str]) -> None:
    """Both must hold: the source's COMPLETE alone does not verify a destination where the image can't be found."""
    replication.deliver(DEST_A, WEST, Delivery(after=1, lands=False))
    replication.deliver(DEST_B, EU, Delivery(after=1))
    assert run(cli, clock, *ROLES, "--timeout", "5m", "--json") == verify.EXIT_NOT_VERIFIED
    missing = destinations(report(capsys))[f"{DEST_A}/{WEST}"]
    assert (missing["result"], missing["replicationStatus"], missing["imagePresent"]) == ("NOT_VERIFIED", "COMPLETE", False)
    assert missing["problem"] == ("timed out: the source reports COMPLETE but the image is not in the destination")
    assert missing["fix"] == verify.COMPLETE_BUT_ABSENT_HINT and "registry policy" not in missing["fix"]


def test_failed_status_is_a_failure(cli: Cli, clock: Clock, replication: FakeReplication,
                                    capsys: pytest.CaptureFixture[str]) -> None:
    """AWS reports FAILED for DEST_A: exit 1 as soon as everything else is settled, with the failure code."""
    replication.deliver(DEST_A, WEST, Delivery(after=1, failure_code="REPLICATION_PERMISSION_DENIED"))
    replication.deliver(DEST_B, EU, Delivery(after=1))
    assert run(cli, clock, *ROLES) == verify.EXIT_FAILED
    out = capsys.readouterr().out
    assert (f"  {DEST_A}/{WEST}: failed: replication FAILED (REPLICATION_PERMISSION_DENIED)\n"
            f"    fix: run `ecr-replication check --stack STACK --destination-role-arn {ROLES[1]} --destination-role-arn "
            f"{ROLES[3]}` (a registry policy without ecr:CreateRepository or ecr:ReplicateImage is the usual cause; "
            "the source account's CloudTrail shows the denied call)\n") in out
    assert out.splitlines()[-1] == "failed: 1 of 2 destination(s) verified, 1 failed"
    assert clock.sleeps == [2.0]


def test_the_check_to_run_after_a_failure_is_the_one_verify_was_run_as(
        cli: Cli, clock: Clock, replication: FakeReplication, tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    """With --expected FILE and credential options, the check it suggests reads the same file the same way (a
    path with a space quoted for the shell)."""
    replication.deliver(DEST_A, WEST, Delivery(after=1, failure_code="REPLICATION_PERMISSION_DENIED"))
    replication.deliver(DEST_B, EU, Delivery(after=1))
    (tmp_path / "my plans").mkdir()
    expected = plan(tmp_path / "my plans" / "plan.json", DECLARED)
    assert run(cli, clock, "--expected", str(expected), "--region", REGION, *ROLES[:2], "--json") == verify.EXIT_FAILED
    failed = destinations(report(capsys))[f"{DEST_A}/{WEST}"]
    assert failed["fix"] == (
        f"run `ecr-replication check --expected '{expected}' --region {REGION} --destination-role-arn {ROLES[1]}` (a "
        "registry policy without ecr:CreateRepository or ecr:ReplicateImage is the usual cause; the source account's "
        "CloudTrail shows the denied call)")


def test_missing_destination_credentials_are_not_verified(cli: Cli, clock: Clock, replication: FakeReplication,
                                                          registry: Registry,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    """Without credentials for DEST_B its registry is never read, so even a COMPLETE status is not verified; the
    source's credentials are not used for it, and its copy is not deleted (the command to do so is printed)."""
    replication.deliver(DEST_A, WEST)
    replication.deliver(DEST_B, EU)
    assert run(cli, clock, *ROLES[:2]) == verify.EXIT_NOT_VERIFIED
    out = capsys.readouterr().out
    assert (f"  {DEST_B}/{EU}: not verified: no credentials were given for account {DEST_B}\n"
            f"    fix: pass --destination-role-arn {DEST_B}=ROLE_ARN or --destination-profile {DEST_B}=PROFILE") in out
    assert f"  {DEST_B}/{EU}: not read, so not deleted: aws ecr batch-delete-image --repository-name {CANARY}" in out
    assert len(images(registry, DEST_B, EU)) == 1 and images(registry, DEST_A, WEST) == []


def test_nothing_is_pushed_when_no_destination_can_be_read(cli: Cli, clock: Clock, replication: FakeReplication,
                                                           registry: Registry, capsys: pytest.CaptureFixture[str]) -> None:
    """Both destinations are in other accounts and no credentials reach them: a canary could prove nothing, so verify
    says so before creating or pushing anything, names the option for each account, and exits 3."""
    replication.deliver(DEST_A, WEST)
    replication.deliver(DEST_B, EU)
    assert run(cli, clock) == verify.EXIT_NOT_VERIFIED
    captured = capsys.readouterr()
    assert captured.out.splitlines() == [
        f"canary {CANARY} not pushed: none of its destinations can be read, so nothing could be verified",
        f"  {DEST_A}/{WEST}: not verified: no credentials were given for account {DEST_A}",
        f"    fix: pass --destination-role-arn {DEST_A}=ROLE_ARN or --destination-profile {DEST_A}=PROFILE",
        f"  {DEST_B}/{EU}: not verified: no credentials were given for account {DEST_B}",
        f"    fix: pass --destination-role-arn {DEST_B}=ROLE_ARN or --destination-profile {DEST_B}=PROFILE",
        "",
        "not verified: 0 of 2 destination(s) verified"]
    assert "not pushing 1 of 1 canary image(s)" in captured.err and "done" not in captured.err
    assert replication.pushes == [] and clock.sleeps == []
    assert registry.ecr.describe_repositories()["repositories"] == []


def test_nothing_pushed_in_json(cli: Cli, clock: Clock, replication: FakeReplication,
                                capsys: pytest.CaptureFixture[str]) -> None:
    replication.deliver(DEST_A, WEST)
    replication.deliver(DEST_B, EU)
    assert run(cli, clock, "--json") == verify.EXIT_NOT_VERIFIED
    document = report(capsys)
    [canary] = document["canaries"]
    assert document["result"] == "NOT_VERIFIED" and document["remainingRepositories"] == []
    assert (canary["pushed"], canary["imageTag"], canary["imageDigest"], canary["cleanup"]) == (False, None, None, None)
    assert [(d["result"], d["problem"], d["cleanup"]) for d in canary["destinations"]] == [
        ("NOT_VERIFIED", f"no credentials were given for account {DEST_A}", None),
        ("NOT_VERIFIED", f"no credentials were given for account {DEST_B}", None)]


def test_only_a_canary_with_a_readable_destination_is_pushed(cli: Cli, clock: Clock, replication: FakeReplication,
                                                             registry: Registry, stub_operations: Callable[..., Stubber],
                                                             capsys: pytest.CaptureFixture[str]) -> None:
    """Two rules (moto keeps one: a Stubber answers DescribeRegistry with AWS's shape): prod/ to DEST_A, which the
    given role reads, and dev/ to DEST_B, which nothing reads. Only prod/'s canary is pushed."""
    two_rules = {"rules": [
        {"destinations": [{"region": WEST, "registryId": DEST_A}],
         "repositoryFilters": [{"filter": "prod/", "filterType": "PREFIX_MATCH"}]},
        {"destinations": [{"region": EU, "registryId": DEST_B}],
         "repositoryFilters": [{"filter": "dev/", "filterType": "PREFIX_MATCH"}]}]}
    stub_operations("describe_registry").add_response(
        "describe_registry", {"registryId": SOURCE, "replicationConfiguration": two_rules})
    replication.deliver(DEST_A, WEST, Delivery(after=3))
    assert run(cli, clock, *ROLES[:2], "--json") == verify.EXIT_NOT_VERIFIED
    prod, dev = report(capsys)["canaries"]
    assert (prod["repositoryName"], prod["pushed"], prod["destinations"][0]["result"]) == (CANARY, True, "VERIFIED")
    assert (dev["repositoryName"], dev["pushed"], dev["destinations"][0]["result"]) == (
        "dev/ecr-replication-canary", False, "NOT_VERIFIED")
    assert [image["repositoryName"] for _, image in replication.pushes] == [CANARY]
    assert [r["repositoryName"] for r in registry.ecr.describe_repositories()["repositories"]] == [CANARY]


def test_unreachable_failed_destination_is_still_a_failure(cli: Cli, clock: Clock, replication: FakeReplication,
                                                           capsys: pytest.CaptureFixture[str]) -> None:
    """The source's FAILED is read with the source's credentials: it counts even where the destination can't be
    read, as long as another destination keeps verify waiting."""
    replication.deliver(DEST_A, WEST, Delivery(after=10))
    replication.deliver(DEST_B, EU, Delivery(after=1, failure_code="REPLICATION_PERMISSION_DENIED"))
    assert run(cli, clock, *ROLES[:2], "--json") == verify.EXIT_FAILED
    failed = destinations(report(capsys))[f"{DEST_B}/{EU}"]
    assert (failed["result"], failed["problem"]) == ("FAILED", "replication FAILED (REPLICATION_PERMISSION_DENIED)")


def test_credentials_of_another_account_are_an_error_before_the_push(cli: Cli, clock: Clock,
                                                                    replication: FakeReplication, tmp_path: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """A profile that reaches DEST_A's account (a role profile botocore assumes) is never used to read DEST_B's
    registry (which would find nothing there, or another account's copy): credentials given for DEST_B that can't
    be used there are an error (exit 2) before any canary is pushed."""
    replication.deliver(DEST_A, WEST)
    replication.deliver(DEST_B, EU)
    config = tmp_path / "config"
    config.write_text(f"[profile wrong]\nrole_arn = arn:aws:iam::{DEST_A}:role/verify\ncredential_source = Environment\n")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config))
    with pytest.raises(CliError) as raised:
        run(cli, clock, *ROLES[:2], "--destination-profile", f"{DEST_B}=wrong", "--json")
    assert str(raised.value) == (f"account {DEST_B}: profile wrong (given by --destination-profile {DEST_B}=wrong) "
                                 f"can't be used: it reaches account {DEST_A}, not {DEST_B}")
    assert replication.pushes == []


def test_another_digest_under_the_canary_tag_is_a_failure(cli: Cli, clock: Clock, replication: FakeReplication,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    replication.deliver(DEST_A, WEST, Delivery(other_image=True))
    replication.deliver(DEST_B, EU)
    assert run(cli, clock, *ROLES, "--json") == verify.EXIT_FAILED
    wrong = destinations(report(capsys))[f"{DEST_A}/{WEST}"]
    assert wrong["imageDigestFound"].startswith("sha256:") and wrong["problem"].startswith(
        f"the canary tag names {wrong['imageDigestFound']} there")


def test_cleanup_deletes_the_canary_image_everywhere_and_lists_remaining_repositories(
        cli: Cli, clock: Clock, replication: FakeReplication, registry: Registry,
        capsys: pytest.CaptureFixture[str]) -> None:
    replication.deliver(DEST_A, WEST)
    replication.deliver(DEST_B, EU)
    assert run(cli, clock, *ROLES) == 0
    out = capsys.readouterr().out
    assert registry.ecr.describe_images(repositoryName=CANARY)["imageDetails"] == []
    assert images(registry, DEST_A, WEST) == [] and images(registry, DEST_B, EU) == []
    assert f"canary image deleted from {SOURCE}/{REGION}, {DEST_A}/{WEST}, {DEST_B}/{EU}" in out
    assert (f"  aws ecr delete-repository --repository-name {CANARY} --force --region {REGION}  # with credentials "
            f"of account {SOURCE}  (created by this run)") in out
    assert f"--region {EU}  # with credentials of account {DEST_B}  (created by replication)" in out


def test_repository_pushes_the_canary_to_the_named_repository_and_leaves_it_as_it_was(
        cli: Cli, clock: Clock, replication: FakeReplication, registry: Registry,
        capsys: pytest.CaptureFixture[str]) -> None:
    """--repository prod/api (a repository of the user's, with an image of its own): the canary image goes there
    and arrives in both destinations' prod/api; the run deletes its own image everywhere, keeps the user's, and lists
    no repository to delete (verify didn't name it). `permissions verify --repository` grants these calls
    (tests/cli/test_cli_permissions.py holds every call a test makes against it)."""
    own = registry.push("prod/api", "v1")
    replication.deliver(DEST_A, WEST)
    replication.deliver(DEST_B, EU)
    assert run(cli, clock, *ROLES, "--repository", "prod/api", "--json") == verify.EXIT_VERIFIED
    document = report(capsys)
    [canary] = document["canaries"]
    assert (canary["repositoryName"], canary["repositoryCreated"], canary["cleanup"]) == ("prod/api", False, "deleted")
    assert {d["registry"]: (d["result"], d["cleanup"]) for d in canary["destinations"]} == {
        f"{DEST_A}/{WEST}": ("VERIFIED", "deleted"), f"{DEST_B}/{EU}": ("VERIFIED", "deleted")}
    assert document["remainingRepositories"] == []
    assert [i["imageDigest"] for i in registry.ecr.describe_images(repositoryName="prod/api")["imageDetails"]] == [own]
    assert images(registry, DEST_A, WEST, "prod/api") == [] and images(registry, DEST_B, EU, "prod/api") == []
    assert "prod/ecr-replication-canary" not in {r["repositoryName"] for r in
                                                 registry.ecr.describe_repositories()["repositories"]}


def test_keep_leaves_the_images_and_says_how_to_delete_them(cli: Cli, clock: Clock, replication: FakeReplication,
                                                            registry: Registry,
                                                            capsys: pytest.CaptureFixture[str]) -> None:
    replication.deliver(DEST_A, WEST)
    replication.deliver(DEST_B, EU)
    assert run(cli, clock, *ROLES, "--keep") == 0
    out = capsys.readouterr().out
    [kept] = registry.ecr.describe_images(repositoryName=CANARY)["imageDetails"]
    assert [i["imageDigest"] for i in images(registry, DEST_A, WEST)] == [kept["imageDigest"]]
    assert (f"  aws ecr batch-delete-image --repository-name {CANARY} --image-ids imageDigest={kept['imageDigest']} "
            f"--region {WEST}  # with credentials of account {DEST_A}") in out


def test_the_pushed_image_is_valid_and_named_by_its_digest(cli: Cli, clock: Clock, replication: FakeReplication,
                                                           registry: Registry, hooks: list[ClientHook],
                                                           capsys: pytest.CaptureFixture[str]) -> None:
    """The digest verify waits for is the SHA-256 of the manifest ECR stored, whose config and layer blobs were
    uploaded; a second run finds the (unchanged) layer and uploads only the new config."""
    replication.deliver(DEST_A, WEST)
    replication.deliver(DEST_B, EU)
    counter = CallCounter()
    hooks.append(counter.hook)
    assert run(cli, clock, *ROLES, "--keep", "--json") == 0
    digest = report(capsys)["canaries"][0]["imageDigest"]
    [stored] = registry.ecr.batch_get_image(repositoryName=CANARY, imageIds=[{"imageDigest": digest}])["images"]
    manifest = stored["imageManifest"]
    assert "sha256:" + hashlib.sha256(manifest.encode()).hexdigest() == digest
    document = json.loads(manifest)
    blobs = [document["config"], *document["layers"]]
    layers = registry.ecr.batch_check_layer_availability(repositoryName=CANARY, layerDigests=[b["digest"] for b in blobs])
    assert [(layer["layerDigest"], layer["layerSize"]) for layer in layers["layers"]] == [
        (b["digest"], b["size"]) for b in blobs]
    assert counter.calls["InitiateLayerUpload"] == 2 and counter.calls["PutImage"] == 1
    assert run(cli, clock, *ROLES, "--keep", "--json", now=datetime(2026, 1, 2, 3, 5, tzinfo=timezone.utc)) == 0
    assert counter.calls["InitiateLayerUpload"] == 3
    assert len(registry.ecr.describe_images(repositoryName=CANARY)["imageDetails"]) == 2


class AnswersLostOnce:
    """An ECR client whose ``operations`` reach AWS twice: the first answer is lost on its way back (the connection
    closed after AWS acted on the call), and botocore sends the call again, as its retry of a dropped connection
    does (``ConnectionClosedError``, a transient error in standard retry mode). With ``retries_fail`` the retries
    fail instead (a server error each: HTTP 500 ``ServerException``, botocore's ECR model)."""

    def __init__(self, client: Any, *operations: str, retries_fail: bool = False) -> None:
        self._client, self._operations, self._retries_fail = client, operations, retries_fail

    def __getattr__(self, name: str) -> Any:
        method = getattr(self._client, name)
        if name not in self._operations:
            return method

        def twice(**kwargs: Any) -> Any:
            method(**kwargs)
            if self._retries_fail:
                raise botocore.exceptions.ClientError(
                    {"Error": {"Code": "ServerException", "Message": "Internal error"},
                     "ResponseMetadata": {"HTTPStatusCode": 500}}, self._client.meta.method_to_api_mapping[name])
            return method(**kwargs)
        return twice


@pytest.mark.parametrize("lost", ["initiate_layer_upload", "upload_layer_part", "complete_layer_upload", "put_image"])
def test_a_push_step_retried_after_its_answer_was_lost_still_pushes_the_canary(registry: Registry, lost: str) -> None:
    """ECR answers the retry of a step it already did as that step's own error (moto answers as ECR does): a part it
    has (InvalidLayerPartException, with the last byte it received), an upload it has completed and closed
    (UploadNotFoundException, the layer now available), the same manifest under the same tag (ImageAlreadyExistsException:
    "already been pushed, and there were no changes to the manifest or image tag", ECR API reference, PutImage; the
    canary's manifest carries the push's time, so it is this push). Each is the step done: the push goes on, instead of
    stopping verify with an error about a step that succeeded."""
    image = build_canary_image(PUSHED_AT)
    registry.ecr.create_repository(repositoryName=CANARY)
    assert push_image(AnswersLostOnce(registry.ecr, lost), CANARY, image, "canary-1") == image.digest
    [detail] = registry.ecr.describe_images(repositoryName=CANARY)["imageDetails"]
    assert (detail["imageDigest"], detail["imageTags"]) == (image.digest, ["canary-1"])
    layers = registry.ecr.batch_check_layer_availability(repositoryName=CANARY,
                                                         layerDigests=[blob.digest for blob in image.blobs])["layers"]
    assert [layer["layerAvailability"] for layer in layers] == ["AVAILABLE", "AVAILABLE"]


def test_a_canary_repository_whose_creation_answer_was_lost_is_used(
        cli: Cli, clock: Clock, replication: FakeReplication, hooks: list[ClientHook],
        capsys: pytest.CaptureFixture[str]) -> None:
    """The retry of a CreateRepository whose answer was lost meets RepositoryAlreadyExistsException (moto answers as
    ECR does): the repository is there, made by the call's first attempt, and verify pushes to it."""
    hooks.append(lambda service, client: AnswersLostOnce(client, "create_repository") if service == "ecr" else client)
    replication.deliver(DEST_A, WEST)
    replication.deliver(DEST_B, EU)
    assert run(cli, clock, *ROLES, "--json") == verify.EXIT_VERIFIED
    [canary] = report(capsys)["canaries"]
    assert (canary["repositoryName"], canary["repositoryCreated"]) == (CANARY, True)


def test_a_push_that_may_have_gone_through_before_an_error_says_where_the_canary_may_remain(
        cli: Cli, clock: Clock, replication: FakeReplication, hooks: list[ClientHook], registry: Registry,
        capsys: pytest.CaptureFixture[str]) -> None:
    """PutImage reaches ECR, but its answer is lost and the retries fail: verify stops with the error, and since the
    canary may be there (here it is, in the source), says where and how to delete it."""
    hooks.append(lambda service, client: AnswersLostOnce(client, "put_image", retries_fail=True)
                 if service == "ecr" else client)
    replication.deliver(DEST_A, WEST)
    replication.deliver(DEST_B, EU)
    with pytest.raises(CliError, match=f"ecr:PutImage failed in account {SOURCE}: ServerException"):
        run(cli, clock, *ROLES)
    digest = build_canary_image(PUSHED_AT).digest
    assert [d["imageDigest"] for d in registry.ecr.describe_images(repositoryName=CANARY)["imageDetails"]] == [digest]
    err = capsys.readouterr().err
    for where in (f"{SOURCE}/{REGION}", f"{DEST_A}/{WEST}", f"{DEST_B}/{EU}"):
        assert (f"the canary may remain in {where}: aws ecr batch-delete-image --repository-name {CANARY} --image-ids "
                f"imageDigest={digest} --region {where.split('/')[1]}") in err


def test_canary_image_layout() -> None:
    """An OCI manifest whose descriptors name the exact bytes; the layer is a gzip'd tar whose uncompressed digest
    is the config's diff_id; each run's image differs (its creation time)."""
    image = build_canary_image(datetime(2026, 1, 2, 3, 4, 5, tzinfo=timezone.utc))
    manifest = json.loads(image.manifest)
    assert manifest["mediaType"] == "application/vnd.oci.image.manifest.v1+json" and manifest["schemaVersion"] == 2
    for descriptor, blob in zip([manifest["config"], *manifest["layers"]], image.blobs, strict=True):
        assert descriptor == {"mediaType": blob.media_type, "size": len(blob.data),
                              "digest": "sha256:" + hashlib.sha256(blob.data).hexdigest()}
    tar = gzip.decompress(image.layer.data)
    with tarfile.open(fileobj=io.BytesIO(tar)) as archive:
        assert archive.extractfile(CANARY_FILE).read() == CANARY_TEXT  # type: ignore[union-attr]
    config = json.loads(image.config.data)
    assert config["rootfs"] == {"type": "layers", "diff_ids": ["sha256:" + hashlib.sha256(tar).hexdigest()]}
    assert (config["os"], config["architecture"], config["created"]) == ("linux", "amd64", "2026-01-02T03:04:05Z")
    later = build_canary_image(datetime(2026, 1, 2, 3, 4, 6, tzinfo=timezone.utc))
    assert later.digest != image.digest and later.layer == image.layer


def test_a_status_check_aws_fails_is_made_again_at_the_next_round(
        cli: Cli, clock: Clock, replication: FakeReplication, hooks: list[ClientHook],
        capsys: pytest.CaptureFixture[str]) -> None:
    """The source's DescribeImageReplicationStatus fails twice after botocore's retries (a server error, then ECR's
    429 throttling): each failure is a note on stderr and the check is made again at the next round, so the run
    still verifies every destination (it ended with exit 2 at the first failure, with 30 minutes left)."""
    hooks.append(failing("describe_image_replication_status", SERVER_ERROR, TOO_MANY))
    replication.deliver(DEST_A, WEST, Delivery(after=1))
    replication.deliver(DEST_B, EU, Delivery(after=1))
    assert run(cli, clock, *ROLES, "--json") == verify.EXIT_VERIFIED
    captured = capsys.readouterr()
    assert {d["result"] for d in destinations(json.loads(captured.out)).values()} == {"VERIFIED"}
    assert clock.sleeps == [2.0, 4.0]
    assert (f"{CANARY}: ecr:DescribeImageReplicationStatus failed in account {SOURCE}: ServerException: Internal "
            "error; asking again at the next check") in captured.err
    assert (f"{CANARY}: ecr:DescribeImageReplicationStatus in account {SOURCE} is still throttled after retries "
            "(ThrottleException); retry later or raise AWS_MAX_ATTEMPTS; asking again at the next check") in captured.err


def test_a_destination_read_aws_fails_is_made_again_at_the_next_round(
        cli: Cli, clock: Clock, replication: FakeReplication, hooks: list[ClientHook],
        capsys: pytest.CaptureFixture[str]) -> None:
    """DEST_A's DescribeImages fails once after the source reports COMPLETE: the next round reads it (it was not
    verified at once, "the destination can't be read")."""
    hooks.append(failing("describe_images", SERVER_ERROR, region=WEST))
    replication.deliver(DEST_A, WEST, Delivery(after=1))
    replication.deliver(DEST_B, EU, Delivery(after=1))
    assert run(cli, clock, *ROLES, "--json") == verify.EXIT_VERIFIED
    captured = capsys.readouterr()
    found = destinations(json.loads(captured.out))
    assert [(d["result"], d["arrivalSeconds"]) for d in found.values()] == [("VERIFIED", 6.0), ("VERIFIED", 2.0)]
    assert (f"{DEST_A}/{WEST}: ecr:DescribeImages failed in account {DEST_A}: ServerException: Internal error; "
            "asking again at the next check") in captured.err


def test_checks_aws_fails_until_the_timeout_leave_it_not_verified_with_a_retry_fix(
        cli: Cli, clock: Clock, replication: FakeReplication, hooks: list[ClientHook],
        capsys: pytest.CaptureFixture[str]) -> None:
    """Every status check fails: the run waits for --timeout, then says each destination is not verified because the
    last check failed, and that the fix is to run again (no permission, no registry policy)."""
    hooks.append(failing("describe_image_replication_status", SERVER_ERROR, always=True))
    replication.deliver(DEST_A, WEST, Delivery(after=1))
    replication.deliver(DEST_B, EU, Delivery(after=1))
    assert run(cli, clock, *ROLES, "--timeout", "1m", "--json") == verify.EXIT_NOT_VERIFIED
    assert sum(clock.sleeps) == 60.0
    for destination in destinations(report(capsys)).values():
        assert (destination["result"], destination["problem"]) == (
            "NOT_VERIFIED", f"timed out, the last check failing: ecr:DescribeImageReplicationStatus failed in account "
                            f"{SOURCE}: ServerException: Internal error")
        assert destination["fix"].startswith("run ecr-replication verify again: AWS failed the call, which is no "
                                             "permission problem")


def test_a_status_check_aws_refuses_ends_the_run_at_once(
        cli: Cli, clock: Clock, replication: FakeReplication, hooks: list[ClientHook],
        capsys: pytest.CaptureFixture[str]) -> None:
    """An access denial is no failure to wait out: the run stops at the first check (exit 2), saying where the
    pushed canary remains."""
    hooks.append(failing("describe_image_replication_status", DENIED))
    replication.deliver(DEST_A, WEST, Delivery(after=1))
    replication.deliver(DEST_B, EU, Delivery(after=1))
    with pytest.raises(CliError, match=f"access denied: account {SOURCE} is not allowed to call "
                                       "ecr:DescribeImageReplicationStatus"):
        run(cli, clock, *ROLES)
    assert clock.sleeps == []
    assert f"the canary may remain in {SOURCE}/{REGION}" in capsys.readouterr().err


def plan(path: Path, template: dict[str, Any], scanning: list[str] | None = None) -> Path:
    """A plan --json document declaring ``template`` (and scan on push for ``scanning`` filters) in DEST_A/us-west-2."""
    resources: list[dict[str, Any]] = [{"type": "aws:ecr/repositoryCreationTemplate:RepositoryCreationTemplate",
                                        "name": "images-template", "inputs": template}]
    if scanning is not None:
        resources.append({"type": "aws:ecr/registryScanningConfiguration:RegistryScanningConfiguration",
                          "name": "images-scanning", "inputs": {"scanType": "BASIC", "rules": [{
                              "scanFrequency": "SCAN_ON_PUSH",
                              "repositoryFilters": [{"filter": f, "filterType": "WILDCARD"} for f in scanning]}]}})
    path.write_text(json.dumps({"sourceRegistryId": SOURCE, "sourceRegion": REGION,
                                "registries": [{"accountId": DEST_A, "region": WEST, "resources": resources}]}))
    return path


DECLARED = {"prefix": "prod", "appliedFors": ["REPLICATION"], "imageTagMutability": "IMMUTABLE",
            "encryptionConfigurations": [{"encryptionType": "KMS", "kmsKey": KEY}], "resourceTags": {"team": "platform"},
            "lifecyclePolicy": json.dumps(LIFECYCLE), "customRoleArn": TEMPLATE_ROLE}


def test_settings_as_declared(cli: Cli, clock: Clock, replication: FakeReplication, tmp_path: Path,
                              capsys: pytest.CaptureFixture[str]) -> None:
    replication.deliver(DEST_A, WEST, Delivery(repository=AS_DECLARED))
    replication.deliver(DEST_B, EU)
    assert run(cli, clock, *ROLES, "--expected", str(plan(tmp_path / "plan.json", DECLARED)), "--json") == 0
    found = destinations(report(capsys))
    assert [(s["setting"], s["state"]) for s in found[f"{DEST_A}/{WEST}"]["settings"]] == [
        ("imageTagMutability", "ok"), ("imageTagMutabilityExclusionFilters", "ok"), ("encryptionType", "ok"),
        ("kmsKey", "ok"), ("lifecyclePolicy", "ok"), ("repositoryPolicy", "ok"), ("resourceTags", "ok")]
    assert found[f"{DEST_B}/{EU}"]["settingsNote"] == (
        f"the plan declares no creation template or scanning configuration for {CANARY} in {DEST_B}/{EU}: "
        "settings not compared")


def test_wrong_settings_name_setting_expected_live_and_the_template_role(
        cli: Cli, clock: Clock, replication: FakeReplication, tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    """The repository replication created in DEST_A has AWS's defaults: the template's KMS and tags did not apply,
    which points at its role; scan on push is off although the plan's scanning configuration covers prod/*."""
    replication.deliver(DEST_A, WEST, Delivery(repository={"imageTagMutability": "MUTABLE"}))
    replication.deliver(DEST_B, EU)
    expected = plan(tmp_path / "plan.json", DECLARED, scanning=["prod/*"])
    assert run(cli, clock, *ROLES, "--expected", str(expected), "--json") == verify.EXIT_FAILED
    wrong = destinations(report(capsys))[f"{DEST_A}/{WEST}"]
    assert wrong["result"] == "FAILED" and wrong["imagePresent"] is True
    mismatches = {s["setting"]: s for s in wrong["settings"] if s["state"] == "mismatch"}
    assert {k: (s["expected"], s["live"]) for k, s in mismatches.items()} == {
        "imageTagMutability": ("IMMUTABLE", "MUTABLE"),
        "encryptionType": ("KMS", "AES256"),
        "kmsKey": (KEY, "none"),
        "lifecyclePolicy": (json.dumps(LIFECYCLE, sort_keys=True, separators=(",", ":")), "none"),
        "resourceTags": ('{"team":"platform"}', "{}"),
        "scanOnPush": ("true", "false"),
    }
    assert f"template role {TEMPLATE_ROLE}" in mismatches["encryptionType"]["hint"]
    assert "kms:CreateGrant" in mismatches["encryptionType"]["hint"]
    assert f"template role {TEMPLATE_ROLE}" in mismatches["resourceTags"]["hint"] and "ecr:TagResource" in (
        mismatches["resourceTags"]["hint"])
    assert "registry scanning configuration" in mismatches["scanOnPush"]["hint"]
    assert wrong["problem"].startswith("settings differ from the plan: imageTagMutability: expected IMMUTABLE, live "
                                       "MUTABLE; encryptionType: expected KMS, live AES256")


def test_templates_are_verified_only_on_a_repository_replication_created_during_the_run(
        cli: Cli, clock: Clock, replication: FakeReplication, registry: Registry, tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    """Canary repositories are kept between runs, and templates act only when replication creates a repository:
    a second run's repository predates its push, so it says nothing about the templates (not checked, exit 3),
    while scan on push, which the registry scanning configuration sets on existing repositories too, is still
    compared. Deleting the destination's repository, as the fix says, makes the next run verify them again."""
    registry.account_session(DEST_A, WEST).client("ecr").put_registry_scanning_configuration(
        scanType="BASIC", rules=[{"scanFrequency": "SCAN_ON_PUSH",
                                  "repositoryFilters": [{"filter": "prod", "filterType": "WILDCARD"}]}])
    replication.deliver(DEST_A, WEST, Delivery(repository=AS_DECLARED))
    replication.deliver(DEST_B, EU)
    expected = str(plan(tmp_path / "plan.json", DECLARED, scanning=["prod"]))
    assert run(cli, clock, *ROLES, "--expected", expected, "--json") == verify.EXIT_VERIFIED
    first = destinations(report(capsys))[f"{DEST_A}/{WEST}"]
    assert first["repositoryExistedBefore"] is False and {s["state"] for s in first["settings"]} == {"ok"}

    assert run(cli, clock, *ROLES, "--expected", expected, "--json") == verify.EXIT_NOT_VERIFIED
    second = destinations(report(capsys))[f"{DEST_A}/{WEST}"]
    assert (second["result"], second["repositoryExistedBefore"], second["imagePresent"]) == ("NOT_VERIFIED", True, True)
    reason = (f"{CANARY} existed in {DEST_A}/{WEST} before this push, and creation templates act only when "
              "replication creates a repository")
    assert [(s["setting"], s["state"], s["hint"]) for s in second["settings"]] == [
        (setting, "not checked", reason) for setting in ("imageTagMutability", "imageTagMutabilityExclusionFilters",
                                                        "encryptionType", "kmsKey", "lifecyclePolicy",
                                                        "repositoryPolicy", "resourceTags")] + [
        ("scanOnPush", "ok", None)]
    delete = (f"aws ecr delete-repository --repository-name {CANARY} --force --region {WEST}  # with credentials of "
              f"account {DEST_A}")
    assert second["fix"] == (f"delete it ({delete}) and verify again: replication then creates it with the creation "
                             "templates")

    registry.account_session(DEST_A, WEST).client("ecr").delete_repository(repositoryName=CANARY, force=True)
    assert run(cli, clock, *ROLES, "--expected", expected, "--json") == verify.EXIT_VERIFIED


def test_a_template_change_is_no_mismatch_on_a_repository_from_before_it(
        cli: Cli, clock: Clock, replication: FakeReplication, registry: Registry, tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    """The repository was created before the template became IMMUTABLE: its MUTABLE tags are shown, not judged."""
    registry.account_session(DEST_A, WEST).client("ecr").create_repository(repositoryName=CANARY,
                                                                            imageTagMutability="MUTABLE")
    replication.deliver(DEST_A, WEST, Delivery(after=1, repository=AS_DECLARED))
    replication.deliver(DEST_B, EU, Delivery(after=1))
    expected = str(plan(tmp_path / "plan.json", DECLARED))
    assert run(cli, clock, *ROLES, "--expected", expected) == verify.EXIT_NOT_VERIFIED
    out = capsys.readouterr().out.splitlines()
    assert out[1] == (
        f"  {DEST_A}/{WEST}: not verified: arrived 2s after the push (not yet at 0s), but settings not checked: "
        "imageTagMutability, imageTagMutabilityExclusionFilters, encryptionType, kmsKey, lifecyclePolicy, "
        f"repositoryPolicy, resourceTags ({CANARY} existed in {DEST_A}/{WEST} before this push, and creation "
        "templates act only when replication creates a repository)")
    assert out[-1] == "not verified: 1 of 2 destination(s) verified"


def deny(operation: str, region: str, message: str) -> ClientHook:
    """A hook answering ``operation`` on the ECR clients of ``region`` as AWS answers a role without the permission
    (ECR API reference, "Common Errors": AccessDeniedException, HTTP 400), quoting ``message``."""
    def hook(service: str, client: Any) -> Any:
        if service == "ecr" and client.meta.region_name == region:
            client.meta.events.register(f"before-call.ecr.{operation}",
                                        lambda **_: aws_error("AccessDeniedException", message, 400))
        return client
    return hook


LEAKED_KEY = "ASIAY34FZKBOKMUTVV7A"
"""An access key id in an AWS error message (messages may quote the request's credentials: ``output.redacted_streams``)."""


@pytest.mark.parametrize("as_json", [False, True])
def test_unknown_repository_age_leaves_templates_unchecked_and_aws_text_redacted(
        cli: Cli, clock: Clock, replication: FakeReplication, hooks: list[ClientHook], tmp_path: Path,
        capsys: pytest.CaptureFixture[str], as_json: bool) -> None:
    """DescribeRepositories denied in DEST_A: whether the repository predates the push is unknown, so no template
    setting is checked (nor scan on push, unread); the denial's text is printed with the key it quotes redacted."""
    hooks.append(deny("DescribeRepositories", WEST, f"User {LEAKED_KEY} is not authorized to perform: "
                                                    "ecr:DescribeRepositories"))
    replication.deliver(DEST_A, WEST, Delivery(repository=AS_DECLARED))
    replication.deliver(DEST_B, EU)
    expected = str(plan(tmp_path / "plan.json", DECLARED, scanning=["prod/*"]))
    assert run(cli, clock, *ROLES, "--expected", expected, *["--json"] * as_json) == verify.EXIT_NOT_VERIFIED
    out = capsys.readouterr().out
    assert LEAKED_KEY not in out and "User [redacted] is not authorized" in out
    if as_json:
        unknown = destinations(json.loads(out))[f"{DEST_A}/{WEST}"]
        assert {s["state"] for s in unknown["settings"]} == {"not checked"}
        assert unknown["settings"][0]["hint"].startswith(f"whether {CANARY} existed in {DEST_A}/{WEST} before this "
                                                         f"push could not be read (access denied: account {DEST_A}")
        assert unknown["fix"] == (f"allow ecr:DescribeRepositories to role arn:aws:iam::{DEST_A}:role/verify (assumed "
                                  "from the default credential chain)")


def test_settings_the_plan_shows_as_secrets_are_not_checked(cli: Cli, clock: Clock, replication: FakeReplication,
                                                            tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """``plan --json`` prints a secret input as SECRET (``replication.preview.runner.mask``): the settings it
    declares can't be compared, the others are."""
    from replication.preview.runner import SECRET

    replication.deliver(DEST_A, WEST, Delivery(repository=AS_DECLARED))
    replication.deliver(DEST_B, EU)
    template = {**DECLARED, "encryptionConfigurations": SECRET, "resourceTags": {"team": SECRET}}
    assert run(cli, clock, *ROLES, "--expected", str(plan(tmp_path / "plan.json", template)), "--json") == 3
    found = destinations(report(capsys))[f"{DEST_A}/{WEST}"]
    assert {s["setting"]: (s["state"], s["hint"]) for s in found["settings"] if s["state"] != "ok"} == {
        setting: ("not checked", "the plan shows it as a secret")
        for setting in ("encryptionType", "kmsKey", "resourceTags")}
    assert [s["setting"] for s in found["settings"] if s["state"] == "ok"] == [
        "imageTagMutability", "imageTagMutabilityExclusionFilters", "lifecyclePolicy", "repositoryPolicy"]
    assert found["fix"] == "compare the settings the plan shows as secrets by hand"


def test_a_plan_template_verify_cannot_read_stops_the_run_before_anything_is_created(
        cli: Cli, clock: Clock, replication: FakeReplication, registry: Registry, tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    template = {**DECLARED, "imageTagMutabilityExclusionFilters": ["latest"]}
    assert cli.main(["verify", *ROLES, "--expected", str(plan(tmp_path / "plan.json", template))]) == 2
    [line] = capsys.readouterr().err.splitlines()
    assert line.startswith(f"ecr-replication verify: error: the expected plan's creation template 'prod' of "
                           f"{DEST_A}/{WEST} has inputs that are not a template's (TypeError: ")
    assert registry.ecr.describe_repositories()["repositories"] == []


def test_the_component_plan_is_the_expected_file(cli: Cli, clock: Clock, replication: FakeReplication, tmp_path: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    """The real plan report of an EcrReplication into these registries is read as declared: IMMUTABLE from the
    `prod` template and scan on push from the scanning configuration."""
    from replication import EcrReplication, EcrReplicationArgs, ReplicationDestinationArgs, RepositorySettingsArgs
    from replication.preview.report import build_report
    from replication.preview.runner import run_offline
    from tests.conftest import account_provider

    def program() -> None:
        source = account_provider("source", SOURCE, REGION)
        EcrReplication("images", EcrReplicationArgs(
            source_provider=source, source_account_id=SOURCE, repository_prefixes=["prod/"],
            destinations=[ReplicationDestinationArgs(provider=account_provider("a", DEST_A, WEST), account_id=DEST_A,
                                                     regions=[WEST]),
                          ReplicationDestinationArgs(provider=account_provider("b", DEST_B, EU), account_id=DEST_B,
                                                     regions=[EU])],
            repository_settings=RepositorySettingsArgs(image_tag_mutability="IMMUTABLE", scan_on_push=True)))

    expected = tmp_path / "plan.json"
    expected.write_text(json.dumps(build_report("p", "dev", run_offline(program), None)))
    replication.deliver(DEST_A, WEST, Delivery(repository={"imageTagMutability": "IMMUTABLE"}))
    replication.deliver(DEST_B, EU)
    assert run(cli, clock, *ROLES, "--expected", str(expected), "--json") == 1
    found = destinations(report(capsys))
    assert {s["setting"]: s["state"] for s in found[f"{DEST_A}/{WEST}"]["settings"]} == {
        "imageTagMutability": "ok", "imageTagMutabilityExclusionFilters": "ok", "encryptionType": "ok",
        "lifecyclePolicy": "ok", "repositoryPolicy": "ok", "resourceTags": "ok", "scanOnPush": "mismatch"}
    assert [s["setting"] for s in found[f"{DEST_B}/{EU}"]["settings"] if s["state"] == "mismatch"] == [
        "imageTagMutability", "scanOnPush"]


def test_scan_on_push_from_the_destination_registry_scanning_configuration(
        cli: Cli, clock: Clock, replication: FakeReplication, registry: Registry, tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    registry.account_session(DEST_A, WEST).client("ecr").put_registry_scanning_configuration(
        scanType="BASIC", rules=[{"scanFrequency": "SCAN_ON_PUSH",
                                  "repositoryFilters": [{"filter": "prod/*", "filterType": "WILDCARD"}]}])
    replication.deliver(DEST_A, WEST, Delivery(repository=AS_DECLARED))
    replication.deliver(DEST_B, EU)
    expected = plan(tmp_path / "plan.json", DECLARED, scanning=["prod/*"])
    assert run(cli, clock, *ROLES, "--expected", str(expected), "--json") == 0
    [scan] = [s for s in destinations(report(capsys))[f"{DEST_A}/{WEST}"]["settings"] if s["setting"] == "scanOnPush"]
    assert (scan["expected"], scan["live"], scan["state"]) == ("true", "true", "ok")


def test_canary_repositories_per_rule() -> None:
    """One repository per rule: its first prefix + ecr-replication-canary, or the bare name without filters; every
    destination the chosen repository replicates to, under any rule; --repository for the rules it matches."""
    a, b, c = Reg(DEST_A, WEST), Reg(DEST_B, EU), Reg(SOURCE, WEST)
    rules = (Rule((a,), ("prod/", "shared/")), Rule((b,), ()), Rule((c,), ("team-",)))
    chosen = choose_canaries(rules, None, Reg(SOURCE, REGION))
    assert [(x.repository, x.destinations, x.named_by_verify) for x in chosen] == [
        ("prod/ecr-replication-canary", (a, b), True), ("ecr-replication-canary", (b,), True),
        ("team-ecr-replication-canary", (c, b), True)]
    chosen = choose_canaries(rules, "shared/api", Reg(SOURCE, REGION))
    assert [(x.repository, x.named_by_verify) for x in chosen] == [
        ("shared/api", False), ("team-ecr-replication-canary", True)]
    with pytest.raises(CliError, match="repository 'other' is not matched by any replication rule"):
        choose_canaries(rules[:1], "other", Reg(SOURCE, REGION))


def test_an_unreplicated_repository_is_refused_before_anything_is_created(
        cli: Cli, clock: Clock, replication: FakeReplication, registry: Registry,
        capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["verify", "--repository", "dev/api", *ROLES]) == 2
    assert capsys.readouterr().err == (f"ecr-replication verify: error: repository 'dev/api' is not matched by any "
                                       f"replication rule of registry {SOURCE}/{REGION}\n")
    assert cli.main(["verify", "--repository", "prod/Api", *ROLES]) == 2
    assert "'prod/Api' is not a valid ECR repository name" in capsys.readouterr().err
    assert registry.ecr.describe_repositories()["repositories"] == []


def test_help_lists_the_exit_codes(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        build_parser(["verify"]).parse_args(["verify", "--help"])
    text = capsys.readouterr().out
    assert "Exit codes: 0 every destination verified; 1 a failure" in text and "``" not in text and "`" not in text


def test_text_report_of_wrong_settings(cli: Cli, clock: Clock, replication: FakeReplication, tmp_path: Path,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    replication.deliver(DEST_A, WEST, Delivery(after=1, repository={**AS_DECLARED, "imageTagMutability": "MUTABLE"}))
    replication.deliver(DEST_B, EU, Delivery(after=1))
    assert run(cli, clock, *ROLES, "--expected", str(plan(tmp_path / "plan.json", DECLARED))) == 1
    out = capsys.readouterr().out.splitlines()
    assert out[1:4] == [
        f"  {DEST_A}/{WEST}: failed: arrived 2s after the push (not yet at 0s), but its settings differ from the plan:",
        "    imageTagMutability: expected IMMUTABLE, live MUTABLE",
        f"    fix: the creation template 'prod' of {DEST_A}/{WEST} (aws ecr describe-repository-creation-templates "
        f"--region {WEST})"]


def test_a_same_account_destination_is_read_with_the_source_credentials(
        cli: Cli, clock: Clock, replication: FakeReplication, registry: Registry,
        capsys: pytest.CaptureFixture[str]) -> None:
    """Cross-region replication within the source account needs no destination option."""
    registry.replicate([(WEST, SOURCE)], ["prod/"])
    replication.deliver(SOURCE, WEST, Delivery(after=3))
    assert run(cli, clock, "--json") == 0
    assert [(r, d["result"]) for r, d in destinations(report(capsys)).items()] == [(f"{SOURCE}/{WEST}", "VERIFIED")]
    assert images(registry, SOURCE, WEST) == []


def test_a_setting_that_cannot_be_read_is_not_verified(cli: Cli, clock: Clock, replication: FakeReplication,
                                                       tmp_path: Path, stub_operations: Callable[..., Stubber],
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    """AccessDenied on GetLifecyclePolicy in the destination is no verdict about the lifecycle policy (a botocore
    Stubber answers it as AWS does for a role without ecr:GetLifecyclePolicy)."""
    stub_operations("get_lifecycle_policy").add_client_error(
        "get_lifecycle_policy", "AccessDeniedException", "not authorized to perform: ecr:GetLifecyclePolicy")
    replication.deliver(DEST_A, WEST, Delivery(repository=AS_DECLARED))
    replication.deliver(DEST_B, EU)
    assert run(cli, clock, *ROLES, "--expected", str(plan(tmp_path / "plan.json", DECLARED)), "--json") == 3
    unread = destinations(report(capsys))[f"{DEST_A}/{WEST}"]
    assert unread["result"] == "NOT_VERIFIED"
    assert unread["problem"] == (f"settings not checked: lifecyclePolicy (access denied: account {DEST_A} is not "
                                 "allowed to call ecr:GetLifecyclePolicy (not authorized to perform: "
                                 "ecr:GetLifecyclePolicy))")
    assert unread["fix"] == f"allow ecr:GetLifecyclePolicy to role arn:aws:iam::{DEST_A}:role/verify (assumed from the " \
                            "default credential chain)"


def test_a_setting_aws_fails_to_read_is_not_verified_and_no_permission_is_advised(
        cli: Cli, clock: Clock, replication: FakeReplication, tmp_path: Path, stub_operations: Callable[..., Stubber],
        capsys: pytest.CaptureFixture[str]) -> None:
    """A server error on GetLifecyclePolicy (HTTP 500 ServerException, botocore's ECR model; after botocore's
    retries) is no missing permission: the setting is not checked, and the fix is to run verify again."""
    stub_operations("get_lifecycle_policy").add_client_error(
        "get_lifecycle_policy", "ServerException", "Internal error", http_status_code=500)
    replication.deliver(DEST_A, WEST, Delivery(repository=AS_DECLARED))
    replication.deliver(DEST_B, EU)
    assert run(cli, clock, *ROLES, "--expected", str(plan(tmp_path / "plan.json", DECLARED)), "--json") == 3
    unread = destinations(report(capsys))[f"{DEST_A}/{WEST}"]
    assert unread["problem"] == (f"settings not checked: lifecyclePolicy (ecr:GetLifecyclePolicy failed in account "
                                 f"{DEST_A}: ServerException: Internal error)")
    assert unread["fix"].startswith("run ecr-replication verify again: AWS failed the call, which is no permission problem")
