"""`aws-explicit-providers`: AWS resources name their provider, so each lands in the account and region meant."""

from pulumi_policy import EnforcementLevel, ReportViolation, ResourceValidationArgs, ResourceValidationPolicy

from .aws_facts import AWS_PROVIDER_TYPE


def _check_explicit_provider(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    provider = args.provider
    if not args.resource_type.startswith("aws:") or provider is None:
        return
    if provider.resource_type == AWS_PROVIDER_TYPE and provider.name.startswith("default"):
        report_violation(
            f"{args.resource_type} {args.name!r} uses the default AWS provider ({provider.urn}), which deploys to "
            f"whatever account and region the ambient credentials and aws:region config select; pass an explicit "
            f"aws.Provider via opts=pulumi.ResourceOptions(provider=...).", None)


explicit_providers = ResourceValidationPolicy(
    name="aws-explicit-providers",
    description="AWS resources use an explicit aws.Provider, never the default provider.",
    enforcement_level=EnforcementLevel.ADVISORY,
    validate=_check_explicit_provider,
)
"""Warns about AWS resources created with the default provider."""
