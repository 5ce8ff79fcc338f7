"""`aws-explicit-providers`: AWS resources name their provider, so each lands in the account and region meant."""

from collections.abc import Iterator

from pulumi_policy import EnforcementLevel, ResourceValidationArgs

from .resource_types import AWS_PROVIDER_TYPE
from .declare import resource_policy


def _default_provider_problems(args: ResourceValidationArgs) -> Iterator[str]:
    provider = args.provider
    if not args.resource_type.startswith("aws:") or provider is None:
        return
    if provider.resource_type == AWS_PROVIDER_TYPE and provider.name.startswith("default"):
        yield (f"{args.resource_type} {args.name!r} uses the default AWS provider ({provider.urn}), which deploys to "
               f"whatever account and region the ambient credentials and aws:region config select; pass an explicit "
               f"aws.Provider via opts=pulumi.ResourceOptions(provider=...).")


explicit_providers = resource_policy(
    name="aws-explicit-providers",
    description="AWS resources use an explicit aws.Provider, never the default provider.",
    level=EnforcementLevel.ADVISORY,
    check=_default_provider_problems,
)
"""Warns about AWS resources created with the default provider."""
