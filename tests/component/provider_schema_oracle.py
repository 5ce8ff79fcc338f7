"""What pulumi-aws 7.51.1 checks before it sends any request: its bridged Terraform schema, applied to the inputs a
program registers.

No Pulumi CLI and no provider binary run here, so this plays the provider's part, written from the Terraform schema
itself (terraform-provider-aws v6 as pulumi-aws bridges it; each rule cites its file) and from pulumi-aws's
autonaming, independently of ``replication/provider_schema.py``: a rule restated wrongly there fails here. Enums are
the aws-sdk-go-v2 enums the schema validates with (``enum.Validate[types.X]``), which are AWS's, so they come from
botocore's ECR model. :func:`schema_problems` returns every violation of a run.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from typing import Any

import botocore.session

from replication.ecr_semantics import partition_of
from replication.preview.runner import OfflineRun, RegisteredResource, provider_setting

ECR = botocore.session.get_session().get_service_model("ecr")
AUTONAME_RANDOM = 7
"""pulumi-aws names a resource ``<resource name>-<7 random characters>`` (``tfbridge.AutoName(name, maxlen, "-")``)."""

IAM_NAME = re.compile(r"^[\w+=,.@-]*$", re.ASCII)
"""``internal/service/iam/validate.go``, ``validResourceName``: ``^[\\w+=,.@-]*$`` (Go: ASCII ``\\w``), 1 to max."""
REGION_NAME = re.compile(r"^[a-z]{2}(-[a-z]+)+-\d{1,2}$", re.ASCII)
"""``internal/verify``, ``regionRegexp`` (``ValidRegionName``)."""
ACCOUNT_ID = re.compile(r"^\d{12}$", re.ASCII)
"""``internal/verify/validate.go``, ``ValidAccountID``."""
TEMPLATE_PREFIX = re.compile(r"(?:ROOT|(?:[a-z0-9]+(?:[._-][a-z0-9]+)*/)*[a-z0-9]+(?:[._-][a-z0-9]+)*)")
"""``repository_creation_template.go``, ``prefix``: ``validation.StringMatch`` (unanchored) and length 2 to 256."""
TAG_FILTER = re.compile(r"^[a-zA-Z0-9._*-]+$")
"""``repository.go`` and ``repository_creation_template.go``, exclusion ``filter``: 1 to 128, at most 2 ``*``."""
SCANNING_FILTER = re.compile(r"^[0-9a-z*](?:[0-9a-z_./*-]?[0-9a-z*]+)*$")
"""``registry_scanning_configuration.go``, ``filter``: 1 to 256 characters."""
PULL_THROUGH_PREFIX = re.compile(r"^((?:[a-z0-9]+(?:[._-][a-z0-9]+)*/)*[a-z0-9]+(?:[._-][a-z0-9]+)*/?|ROOT)$")
"""``pull_through_cache_rule.go``, ``ecr_repository_prefix`` and ``upstream_repository_prefix``:
``validation.StringLenBetween(2, 30)`` and this ``validation.StringMatch``."""
ARN = re.compile(r"^arn:[\w-]+:([\w-]+):[\w-]*:(\d{12})?:.+$")
"""What ``verify.ValidARN`` accepts, in short: ``arn:<partition>:<service>:<region>:<account>:<resource>`` with the
account empty or 12 digits (``internal/verify/validate.go``)."""


def enum(shape: str) -> list[str]:
    """The values of an ECR enum (``enum.Validate[types.<shape>]``)."""
    return ECR.shape_for(shape).enum


def _json(path: str, text: object) -> Iterator[str]:
    """``validation.StringIsJSON``."""
    try:
        json.loads(str(text))
    except ValueError:
        yield f"{path}: not JSON"


def _length(path: str, value: object, low: int, high: int) -> Iterator[str]:
    if not isinstance(value, (str, list)) or not low <= len(value) <= high:
        yield f"{path}: {len(value) if isinstance(value, (str, list)) else value!r} not within {low}..{high}"


def _one_of(path: str, value: object, values: list[str]) -> Iterator[str]:
    if value not in values:
        yield f"{path}: {value!r} not one of {values}"


def _exclusion_filters(filters: list[Mapping[str, Any]] | None) -> Iterator[str]:
    yield from _length("imageTagMutabilityExclusionFilters", filters or [], 0, 5)
    for i, item in enumerate(filters or []):
        path = f"imageTagMutabilityExclusionFilters[{i}]"
        yield from _length(f"{path}.filter", item["filter"], 1, 128)
        if not TAG_FILTER.match(item["filter"]) or item["filter"].count("*") > 2:
            yield f"{path}.filter: {item['filter']!r}"
        yield from _one_of(f"{path}.filterType", item["filterType"], enum("ImageTagMutabilityExclusionFilterType"))


def _encryption(inputs: Mapping[str, Any]) -> Iterator[str]:
    for i, item in enumerate(inputs.get("encryptionConfigurations") or []):
        yield from _one_of(f"encryptionConfigurations[{i}].encryptionType", item.get("encryptionType", "AES256"),
                           enum("EncryptionType"))


def _autonamed(resource: RegisteredResource, longest: int, autoname_limit: int) -> Iterator[str]:
    """An IAM name pulumi-aws generates (no ``name`` input): within its autonaming limit and the schema's."""
    name = resource.inputs.get("name") or f"{resource.name}-{'a' * AUTONAME_RANDOM}"
    yield from _length("name", name, 1, min(longest, autoname_limit))
    if not IAM_NAME.match(name):
        yield f"name: {name!r} doesn't match [\\w+=,.@-]"


def _replication(inputs: Mapping[str, Any]) -> Iterator[str]:
    """``replication_configuration.go``."""
    rules = inputs["replicationConfiguration"]["rules"]
    yield from _length("replicationConfiguration.rules", rules, 1, 10)
    for r, rule in enumerate(rules):
        yield from _length(f"rules[{r}].destinations", rule["destinations"], 1, 25)
        for d, destination in enumerate(rule["destinations"]):
            if not REGION_NAME.match(destination["region"]):
                yield f"rules[{r}].destinations[{d}].region: {destination['region']!r}"
            if not ACCOUNT_ID.match(destination["registryId"]):
                yield f"rules[{r}].destinations[{d}].registryId: {destination['registryId']!r}"
        if "repositoryFilters" in rule:
            yield from _length(f"rules[{r}].repositoryFilters", rule["repositoryFilters"], 1, 100)
            for f, item in enumerate(rule["repositoryFilters"]):
                yield from _one_of(f"rules[{r}].repositoryFilters[{f}].filterType", item["filterType"],
                                   enum("RepositoryFilterType"))


def _template(inputs: Mapping[str, Any]) -> Iterator[str]:
    """``repository_creation_template.go``."""
    yield from _length("prefix", inputs["prefix"], 2, 256)
    if not TEMPLATE_PREFIX.search(inputs["prefix"]):
        yield f"prefix: {inputs['prefix']!r}"
    yield from _length("appliedFors", inputs["appliedFors"], 1, len(enum("RCTAppliedFor")))
    for value in inputs["appliedFors"]:
        yield from _one_of("appliedFors[]", value, enum("RCTAppliedFor"))
    yield from _length("description", inputs.get("description", ""), 0, 255)
    yield from _encryption(inputs)
    yield from _one_of("imageTagMutability", inputs.get("imageTagMutability", "MUTABLE"), enum("ImageTagMutability"))
    yield from _exclusion_filters(inputs.get("imageTagMutabilityExclusionFilters"))
    for key in ("lifecyclePolicy", "repositoryPolicy"):
        if key in inputs:
            yield from _json(key, inputs[key])
    if "customRoleArn" in inputs and not str(inputs["customRoleArn"]).startswith("arn:"):
        yield f"customRoleArn: {inputs['customRoleArn']!r} is no ARN"


def _scanning(inputs: Mapping[str, Any]) -> Iterator[str]:
    """``registry_scanning_configuration.go``."""
    yield from _one_of("scanType", inputs["scanType"], enum("ScanType"))
    yield from _length("rules", inputs["rules"], 0, 100)
    for r, rule in enumerate(inputs["rules"]):
        yield from _one_of(f"rules[{r}].scanFrequency", rule["scanFrequency"], enum("ScanFrequency"))
        yield from _length(f"rules[{r}].repositoryFilters", rule["repositoryFilters"], 1, 10_000)
        for f, item in enumerate(rule["repositoryFilters"]):
            yield from _length(f"rules[{r}].repositoryFilters[{f}].filter", item["filter"], 1, 256)
            if not SCANNING_FILTER.match(item["filter"]):
                yield f"rules[{r}].repositoryFilters[{f}].filter: {item['filter']!r}"
            yield from _one_of(f"rules[{r}].repositoryFilters[{f}].filterType", item["filterType"],
                               enum("ScanningRepositoryFilterType"))


def _repository(inputs: Mapping[str, Any]) -> Iterator[str]:
    """``repository.go``, with its CustomizeDiff ``validateImageTagMutabilityExclusionFilterUsage``."""
    mutability = inputs.get("imageTagMutability", "MUTABLE")
    yield from _one_of("imageTagMutability", mutability, enum("ImageTagMutability"))
    yield from _encryption(inputs)
    filters = inputs.get("imageTagMutabilityExclusionFilters")
    yield from _exclusion_filters(filters)
    if filters and not mutability.endswith("_WITH_EXCLUSION"):
        yield "imageTagMutabilityExclusionFilters: only with a *_WITH_EXCLUSION mutability"
    if not isinstance(inputs.get("imageScanningConfiguration", {}), Mapping):
        yield "imageScanningConfiguration: at most 1"


def pull_through_rule_problems(inputs: Mapping[str, Any]) -> Iterator[str]:
    """``pull_through_cache_rule.go``: both prefixes 2 to 30 characters of its pattern, ``custom_role_arn`` an ARN."""
    for argument in ("ecrRepositoryPrefix", "upstreamRepositoryPrefix"):
        value = inputs.get(argument)
        if value is not None:
            yield from _length(argument, value, 2, 30)
            if not PULL_THROUGH_PREFIX.match(str(value)):
                yield f"{argument}: {value!r} doesn't match the schema's pattern"
    role = inputs.get("customRoleArn")
    if role is not None and not ARN.match(str(role)):
        yield f"customRoleArn: {role!r} is no ARN"


def _role(resource: RegisteredResource) -> Iterator[str]:
    """``iam/role.go``; pulumi-aws ``resources.go``: ``tfbridge.AutoName("name", 64, "-")``."""
    yield from _autonamed(resource, 64, 64)
    description = resource.inputs.get("description", "")
    yield from _length("description", description, 0, 1000)
    if re.search("[“‘]", description):
        yield "description: curly quotes"
    yield from _json("assumeRolePolicy", resource.inputs["assumeRolePolicy"])


def _role_policy(resource: RegisteredResource) -> Iterator[str]:
    """``iam/role_policy.go`` (``rolePolicyNameMaxLen`` 128); pulumi-aws autonames within 255 (``autonaming.go``)."""
    yield from _autonamed(resource, 128, 255)
    yield from _json("policy", resource.inputs["policy"])


CHECKS = {
    "aws:ecr/replicationConfiguration:ReplicationConfiguration": lambda r: _replication(r.inputs),
    "aws:ecr/registryPolicy:RegistryPolicy": lambda r: _json("policy", r.inputs["policy"]),
    "aws:ecr/repositoryCreationTemplate:RepositoryCreationTemplate": lambda r: _template(r.inputs),
    "aws:ecr/registryScanningConfiguration:RegistryScanningConfiguration": lambda r: _scanning(r.inputs),
    "aws:ecr/repository:Repository": lambda r: _repository(r.inputs),
    "aws:ecr/lifecyclePolicy:LifecyclePolicy": lambda r: _json("policy", r.inputs["policy"]),
    "aws:ecr/repositoryPolicy:RepositoryPolicy": lambda r: _json("policy", r.inputs["policy"]),
    "aws:ecr/pullThroughCacheRule:PullThroughCacheRule": lambda r: pull_through_rule_problems(r.inputs),
    "aws:iam/role:Role": _role,
    "aws:iam/rolePolicy:RolePolicy": _role_policy,
}
"""The schema's checks of each resource type the component declares, by type token."""


def _region(run: OfflineRun, resource: RegisteredResource) -> Iterator[str]:
    """``internal/provider/sdkv2/region.go``, ``validateRegionInPartition``: a resource's ``region`` lies in the
    partition of its provider's region."""
    region = resource.inputs.get("region")
    provider_region = provider_setting(run.by_urn(resource.provider_urn).inputs, "region")
    if region and provider_region and partition_of(region) != partition_of(provider_region):
        yield f"region: {region} is not in the partition of the provider's {provider_region}"


def schema_problems(run: OfflineRun) -> dict[str, list[str]]:
    """Every registered aws resource's violations of pulumi-aws's schema, by resource name (none: all pass).

    Raises ``KeyError`` for a resource type the oracle doesn't know, so a new child can't go unchecked."""
    found = {}
    for resource in run.resources:
        if not resource.custom or resource.type.startswith("pulumi:providers:"):
            continue
        problems = [*CHECKS[resource.type](resource), *_region(run, resource)]
        if problems:
            found[resource.name] = problems
    return found
