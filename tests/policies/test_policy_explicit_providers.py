"""`aws-explicit-providers`: no AWS resource on the default provider."""

from policies.ecr_guardrails.providers import explicit_providers
from replication.preview.analyzer import PolicyPackServer, ProviderResource
from tests.policies.policy_args import run_policy
from tests.policies.policy_stacks import provider, replication_configuration, resource


def default_provider() -> ProviderResource:
    """The default AWS provider, as the engine names it."""
    return ProviderResource(type="pulumi:providers:aws", name="default_7_51_1",
                            urn="urn:pulumi:dev::ecr::pulumi:providers:aws::default_7_51_1",
                            props={"region": "us-east-1"})


def test_an_explicit_provider_passes() -> None:
    assert run_policy(explicit_providers, replication_configuration()) == []


def test_the_default_provider_is_reported_with_the_fix() -> None:
    [(message, _)] = run_policy(explicit_providers, replication_configuration(resource_provider=default_provider()))
    assert "default AWS provider" in message and "pulumi.ResourceOptions(provider=...)" in message


def test_non_aws_resources_and_resources_without_provider_are_ignored() -> None:
    random_provider = ProviderResource(**{**default_provider(), "type": "pulumi:providers:random"})
    other = resource("random:index/randomPet:RandomPet", "pet", {}, random_provider)
    orphan = resource("aws:s3/bucket:Bucket", "bucket", {}, None)
    assert run_policy(explicit_providers, [other, orphan]) == []


def test_a_provider_merely_named_like_a_region_is_explicit() -> None:
    assert run_policy(explicit_providers, replication_configuration(resource_provider=provider("us-default"))) == []


def test_it_can_be_disabled_over_the_protocol(pack: PolicyPackServer) -> None:
    bucket = resource("aws:s3/bucket:Bucket", "bucket", {}, default_provider())
    assert [d.policy_name for d in pack.analyze(bucket)] == ["aws-explicit-providers"]
    pack.configure({"aws-explicit-providers": "disabled"})
    assert pack.analyze(bucket) == []
