"""The harness's conversion of recorded registrations into the resources the engine sends a pack."""

from typing import Any

from replication.preview.analyzer import stack_resources
from replication.preview.runner import RegisteredResource

STACK = "urn:pulumi:dev::ecr::pulumi:pulumi:Stack::ecr-dev"


def registration(urn: str, type: str, name: str, custom: bool = True, provider: str = "",  # noqa: A002
                 inputs: dict[str, Any] | None = None, dependencies: tuple[str, ...] = ()) -> RegisteredResource:
    """A recorded `RegisterResource` request of a resource under the stack, as the mock runner records it."""
    return RegisteredResource(urn, type, name, custom, STACK, provider, inputs or {}, dependencies)


PROVIDER = registration("urn:pulumi:dev::ecr::pulumi:providers:aws::source", "pulumi:providers:aws", "source",
                        inputs={"region": "us-east-1", "allowedAccountIds": '["111111111111"]'})


def test_a_resource_gets_the_provider_its_reference_names() -> None:
    policy = registration("urn:pulumi:dev::ecr::aws:ecr/registryPolicy:RegistryPolicy::p",
                          "aws:ecr/registryPolicy:RegistryPolicy", "p", provider=f"{PROVIDER.urn}::provider-id",
                          inputs={"policy": "{}", "tags": ("a", "b"), "size": 3}, dependencies=(PROVIDER.urn,))
    _, converted = stack_resources([PROVIDER, policy])
    assert converted["provider"] == {"type": "pulumi:providers:aws", "name": "source", "urn": PROVIDER.urn,
                                     "props": PROVIDER.inputs}
    assert converted["props"] == {"policy": "{}", "tags": ["a", "b"], "size": 3}
    assert (converted["parent_urn"], converted["dependencies"]) == (STACK, [PROVIDER.urn])


def test_a_custom_resource_without_provider_gets_the_default_one() -> None:
    bucket = registration("urn:pulumi:dev::ecr::aws:s3/bucket:Bucket::b", "aws:s3/bucket:Bucket", "b")
    [converted] = stack_resources([bucket])
    assert converted["provider"] == {"type": "pulumi:providers:aws", "name": "default",
                                     "urn": "urn:pulumi:dev::ecr::pulumi:providers:aws::default", "props": {}}


def test_components_and_providers_have_no_provider() -> None:
    component = registration("urn:pulumi:dev::ecr::ecr-replication:index:EcrReplication::images",
                             "ecr-replication:index:EcrReplication", "images", custom=False)
    assert [r["provider"] for r in stack_resources([PROVIDER, component])] == [None, None]


class Marker:
    """A value that isn't JSON (as a resource reference deserialized by the SDK can be)."""

    def __str__(self) -> str:
        return "marker"


def test_values_a_struct_cannot_hold_become_text() -> None:
    odd = registration("urn:pulumi:dev::ecr::aws:s3/bucket:Bucket::b", "aws:s3/bucket:Bucket", "b",
                       inputs={"nested": {"value": Marker()}})
    [converted] = stack_resources([odd])
    assert converted["props"] == {"nested": {"value": "marker"}}
