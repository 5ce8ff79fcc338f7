"""Region names are the ones botocore's endpoint data lists for ECR, in every partition, with the partition's ARNs."""

from __future__ import annotations

import botocore
import botocore.session
import pytest

from replication import ReplicationConfigError
from replication.ecr_semantics import partition_of
from replication.model import check_region
from replication.regions import ecr_regions
from tests.conftest import DEST_ACCOUNT, REGISTRY_POLICY, SOURCE_ACCOUNT, account_provider, policy_of
from tests.component.helpers import DESTINATION_REGIONS

SESSION = botocore.session.get_session()
PARTITIONS = {p["id"]: p["outputs"] for p in SESSION.get_component("data_loader").load_data("partitions")["partitions"]}
ECR_REGIONS = [
    (partition, region)
    for partition in SESSION.get_available_partitions()
    for region in SESSION.get_available_regions("ecr", partition_name=partition)
]


def test_every_partition_has_ecr_regions() -> None:
    assert {partition for partition, _ in ECR_REGIONS} >= {"aws", "aws-cn", "aws-us-gov"}
    assert len(DESTINATION_REGIONS) >= 25, "enough commercial regions for the largest configuration"


@pytest.mark.parametrize(("partition", "region"), ECR_REGIONS)
def test_every_ecr_region_is_accepted_in_its_partition(partition: str, region: str) -> None:
    assert check_region("regions[0]", region) == region
    assert partition_of(region).name == partition
    assert partition_of(region).dns_suffix == PARTITIONS[partition]["dnsSuffix"]


@pytest.mark.parametrize(
    ("typed", "meant"),
    [("eu-wset-1", "'eu-west-1'"), ("ap-southeast-11", "'ap-southeast-1'"), ("cn-nrth-1", "'cn-north-1'"),
     ("us-est-1", "'us-east-1'"),  # as close to us-west-1, but it starts like us-east-1
     ("us-west-3", "'us-west-1' or 'us-west-2'")],  # equally close, both start like it: both named
)
def test_a_misspelled_region_names_the_closest_known_ones(typed: str, meant: str) -> None:
    with pytest.raises(ReplicationConfigError) as raised:
        check_region("destinations[0].regions[1]", typed)
    assert (raised.value.field, raised.value.value) == ("destinations[0].regions[1]", typed)
    assert f"knows no ECR region of this name; did you mean {meant}? if the region" in raised.value.problem


def test_a_region_newer_than_botocore_says_how_to_proceed() -> None:
    with pytest.raises(ReplicationConfigError) as raised:
        check_region("source_region", "zz-north-9")
    assert f"botocore {botocore.__version__} knows no ECR region of this name" in raised.value.problem
    assert "pip install --upgrade boto3 botocore" in raised.value.problem
    assert "zz-north-9" not in ecr_regions()


@pytest.mark.parametrize(("partition", "source_region", "destination_region"),
                         [("aws-us-gov", "us-gov-west-1", "us-gov-east-1"), ("aws-cn", "cn-north-1", "cn-northwest-1")])
def test_replication_uses_its_partition(partition: str, source_region: str, destination_region: str) -> None:
    """GovCloud and China registries get their partition's principal and repository ARNs."""
    from replication import EcrReplication, EcrReplicationArgs, ReplicationDestinationArgs
    from replication.preview.runner import run_offline

    def program() -> None:
        src = account_provider("source", SOURCE_ACCOUNT, source_region)
        dst = account_provider("destination", DEST_ACCOUNT, destination_region)
        EcrReplication("images", EcrReplicationArgs(
            source_provider=src, source_account_id=SOURCE_ACCOUNT, source_region=source_region,
            destinations=[ReplicationDestinationArgs(provider=dst, account_id=DEST_ACCOUNT, regions=[destination_region])],
            repository_prefixes=["prod/"],
        ))

    (policy,) = run_offline(program).of_type(REGISTRY_POLICY)
    statement = policy_of(policy)["Statement"][0]
    assert statement["Principal"] == {"AWS": f"arn:{partition}:iam::{SOURCE_ACCOUNT}:root"}
    assert statement["Resource"] == [f"arn:{partition}:ecr:{destination_region}:{DEST_ACCOUNT}:repository/prod/*"]


def test_the_regions_read_from_botocore_data_are_botocores_own_answer() -> None:
    """ecr_regions() reads endpoints.json directly (cheaper than importing botocore.session); it must stay the
    set botocore's session API gives."""
    assert ecr_regions() == frozenset(region for _, region in ECR_REGIONS)


def test_the_offline_plan_answers_lookups_and_names_roles_in_the_providers_partition() -> None:
    """Lookups left to a China provider resolve to aws-cn identities, and the templates' role ARN is aws-cn too."""
    from replication import EcrReplication, EcrReplicationArgs, ReplicationDestinationArgs
    from replication.preview.runner import run_offline

    def program() -> None:
        src = account_provider("source", SOURCE_ACCOUNT, "cn-north-1")
        dst = account_provider("destination", DEST_ACCOUNT, "cn-northwest-1")
        EcrReplication("images", EcrReplicationArgs(
            source_provider=src,
            destinations=[ReplicationDestinationArgs(provider=dst)],
            repository_settings={"tags": {"team": "platform"}},
        ))

    run = run_offline(program)
    (policy,) = run.of_type(REGISTRY_POLICY)
    assert policy_of(policy)["Statement"][0]["Principal"] == {"AWS": f"arn:aws-cn:iam::{SOURCE_ACCOUNT}:root"}
    (template,) = run.of_type("aws:ecr/repositoryCreationTemplate:RepositoryCreationTemplate")
    assert template.inputs["customRoleArn"].startswith(f"arn:aws-cn:iam::{DEST_ACCOUNT}:role/")
