"""Explicit account ids and regions are checked against the providers they go through (issue 19, items 3 and 5).

The offline plan answers a provider's account from its configuration by the one rule the pack uses too
(``ecr_semantics.deployment_account``: a single ``allowed_account_ids`` entry, or the last assumed role's account);
``pulumi preview`` asks the provider's credentials. A resource whose ``region`` lies in another partition than its
provider's region is what pulumi-aws refuses at plan time (terraform-provider-aws ``internal/provider/sdkv2/region.go``,
``validateRegionInPartition``), so the component refuses it first, naming the argument.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pulumi_aws as aws
import pytest

from replication import (EcrReplication, EcrReplicationArgs, PullThroughDestinationArgs, ReplicationConfigError,
                         ReplicationDestinationArgs)
from replication.preview import runner
from replication.preview.runner import RegisteredResource
from tests.conftest import DEST_ACCOUNT, SOURCE_ACCOUNT, THIRD_ACCOUNT

PINNED_ELSEWHERE = "444444444444"
CHILDREN_OF_NONE = {"pulumi:providers:aws", "ecr-replication:index:EcrReplication"}


def pinned(account: str, region: str = "us-west-2") -> dict[str, Any]:
    return {"region": region, "allowed_account_ids": [account]}


SOURCE = {"source_account_id": SOURCE_ACCOUNT, "source_region": "us-east-1"}


def run_recording(program: Callable[[], None]) -> tuple[ReplicationConfigError | None, list[RegisteredResource]]:
    """Run ``program`` offline; return the component's error, if any, and every registration the engine received
    (also when the run failed)."""
    registered: list[RegisteredResource] = []
    register = runner.RecordingMonitor.RegisterResource

    def keep(self: runner.RecordingMonitor, request: Any) -> Any:
        response = register(self, request)
        registered[:] = self.registered
        return response

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(runner.RecordingMonitor, "RegisterResource", keep)
        try:
            runner.run_offline(program)
        except ReplicationConfigError as error:
            return error, registered
    return None, registered


def run(source: dict[str, Any], destination: dict[str, Any], dest: dict[str, Any],
        **fields: Any) -> tuple[ReplicationConfigError | None, list[RegisteredResource]]:
    """Run the component through providers made with ``source`` and ``destination`` (aws.Provider keyword
    arguments), one destination ``dest`` and the other ``fields`` (:func:`run_recording`)."""

    def program() -> None:
        src = aws.Provider("source", **source)
        dst = aws.Provider("destination", **destination)
        EcrReplication("images", EcrReplicationArgs(
            source_provider=src, destinations=[ReplicationDestinationArgs(provider=dst, **dest)], **fields))

    return run_recording(program)


def refused(source: dict[str, Any], destination: dict[str, Any], dest: dict[str, Any],
            **fields: Any) -> ReplicationConfigError:
    """The component's error; fails unless no child was registered (the providers' check comes first)."""
    error, registered = run(source, destination, dest, **fields)
    assert error is not None, "no ReplicationConfigError"
    assert {r.type for r in registered} <= CHILDREN_OF_NONE, "a child was registered before the check failed"
    return error


@pytest.mark.parametrize(
    ("destination_provider", "how"),
    [
        (pinned(PINNED_ELSEWHERE), "allowed_account_ids"),
        ({"region": "us-west-2", "assume_roles": [{"role_arn": f"arn:aws:iam::{THIRD_ACCOUNT}:role/hop"},
                                                  {"role_arn": f"arn:aws:iam::{PINNED_ELSEWHERE}:role/deploy"}]},
         "the last assumed role"),
    ],
    ids=["allowed account ids", "assumed roles"],
)
def test_an_explicit_account_id_the_provider_contradicts_is_refused(destination_provider: dict[str, Any], how: str) -> None:
    """Issue 19, item 5: before, the plan listed the registry policy under 222222222222 while the provider deploys
    into 444444444444."""
    error = refused(pinned(SOURCE_ACCOUNT, "us-east-1"), destination_provider,
                    dest={"account_id": DEST_ACCOUNT, "regions": ["us-west-2"]}, **SOURCE)
    assert (error.field, error.value) == ("destinations[0].account_id", DEST_ACCOUNT)
    assert f"deploys into account {PINNED_ELSEWHERE}" in error.problem


def test_an_explicit_source_account_id_the_source_provider_contradicts_is_refused() -> None:
    error = refused(pinned(PINNED_ELSEWHERE, "us-east-1"), pinned(DEST_ACCOUNT),
                    dest={"account_id": DEST_ACCOUNT, "regions": ["us-west-2"]}, **SOURCE)
    assert (error.field, error.value) == ("source_account_id", SOURCE_ACCOUNT)


def test_a_provider_that_names_no_account_gives_no_verdict_offline() -> None:
    """Offline, an unpinned provider can't contradict an explicit id: the plan takes it (``pulumi preview`` asks the
    provider's credentials)."""
    error, registered = run(pinned(SOURCE_ACCOUNT, "us-east-1"), {"region": "us-west-2"},
                            dest={"account_id": DEST_ACCOUNT, "regions": ["us-west-2"]}, **SOURCE)
    assert error is None, str(error)
    assert any(r.type == "aws:ecr/registryPolicy:RegistryPolicy" for r in registered)


@pytest.mark.parametrize("number", [222222222222, 222222222222.0], ids=["int", "float"])
def test_an_account_id_given_as_a_number_is_told_to_be_a_string(number: float) -> None:
    error = refused(pinned(SOURCE_ACCOUNT, "us-east-1"), pinned(DEST_ACCOUNT),
                    dest={"account_id": number, "regions": ["us-west-2"]}, **SOURCE)
    assert (error.field, error.value) == ("destinations[0].account_id", number)
    assert error.problem.startswith("an AWS account id is a string of 12 digits, not a number")


def test_a_destination_region_in_another_partition_than_its_provider_is_refused() -> None:
    """Issue 19, item 3: a GovCloud destination region reached through a provider configured for us-east-1."""
    error = refused(pinned(SOURCE_ACCOUNT, "us-gov-west-1"), pinned(DEST_ACCOUNT, "us-east-1"),
                    source_account_id=SOURCE_ACCOUNT, source_region="us-gov-west-1",
                    dest={"account_id": DEST_ACCOUNT, "regions": ["us-gov-east-1"]})
    assert (error.field, error.value) == ("destinations[0].regions[0]", "us-gov-east-1")
    assert error.problem.startswith("this region is in partition aws-us-gov, but the provider it goes through is "
                                    "configured for us-east-1 (partition aws)")


def test_a_source_region_in_another_partition_than_the_source_provider_is_refused() -> None:
    error = refused(pinned(SOURCE_ACCOUNT, "us-east-1"), pinned(DEST_ACCOUNT, "cn-northwest-1"),
                    source_account_id=SOURCE_ACCOUNT, source_region="cn-north-1",
                    dest={"account_id": DEST_ACCOUNT, "regions": ["cn-northwest-1"]})
    assert (error.field, error.value) == ("source_region", "cn-north-1")


def test_regions_of_the_provider_s_partition_and_providers_without_a_region_pass() -> None:
    for destination in (pinned(DEST_ACCOUNT, "us-gov-west-1"), {"allowed_account_ids": [DEST_ACCOUNT]}):
        error, registered = run(pinned(SOURCE_ACCOUNT, "us-gov-west-1"), destination,
                                source_account_id=SOURCE_ACCOUNT, source_region="us-gov-west-1",
                                dest={"account_id": DEST_ACCOUNT, "regions": ["us-gov-east-1"]})
        assert error is None, str(error)
        (policy,) = [r for r in registered if r.type == "aws:ecr/registryPolicy:RegistryPolicy"]
        assert policy.inputs["region"] == "us-gov-east-1"


def test_a_spoke_account_id_its_provider_contradicts_is_refused_before_any_child() -> None:
    """Spokes are checked like destinations: a spoke provider pinned to 444444444444 with ``account_id``
    333333333333 would put the pull-through rules, and the upstream's grant, in the wrong account."""

    def program() -> None:
        src = aws.Provider("source", **pinned(SOURCE_ACCOUNT, "us-east-1"))
        dst = aws.Provider("destination", **pinned(DEST_ACCOUNT))
        cache = aws.Provider("spoke", **pinned(PINNED_ELSEWHERE, "ap-south-1"))
        EcrReplication("images", EcrReplicationArgs(
            source_provider=src, destinations=[ReplicationDestinationArgs(provider=dst, account_id=DEST_ACCOUNT,
                                                                          regions=["us-west-2"])],
            pull_through_destinations=[PullThroughDestinationArgs(provider=cache, account_id=THIRD_ACCOUNT,
                                                                  regions=["ap-south-1"])], **SOURCE))

    error, registered = run_recording(program)
    assert error is not None and (error.field, error.value) == ("pull_through_destinations[0].account_id", THIRD_ACCOUNT)
    assert f"deploys into account {PINNED_ELSEWHERE}" in error.problem
    assert {r.type for r in registered} <= CHILDREN_OF_NONE, "a child was registered before the check failed"
