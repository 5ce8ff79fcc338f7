"""The AWS API requests behind the resources a program registers, checked against botocore's service models.

This plays the part of the Terraform provider under pulumi-aws: each registration becomes the request the provider
sends on create (terraform-provider-aws, ``internal/service/ecr`` and ``internal/service/iam``: the resources'
``Create`` functions and their ``expand*`` helpers), with pulumi-aws's autonaming of IAM roles
(``tfbridge.AutoName("name", 64, "-")``: the resource name, ``-`` and 7 random characters) and of other names
(the resource name, ``-`` and 7 random characters).

botocore's ``ParamValidator`` checks required members, types, unknown members and minimums; it leaves maximums,
patterns and enums to the service, so :func:`problems` checks those too, from the same model. The Terraform provider
validates some inputs before any request (``pulumi preview`` fails on them): :func:`terraform_problems` checks
those of the pull-through cache rule, as its schema declares them.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import botocore.session
from botocore.model import ListShape, MapShape, Shape, StringShape, StructureShape
from botocore.validate import ParamValidator

from replication.preview.runner import OfflineRun, RegisteredResource

SESSION = botocore.session.get_session()
MODELS = {service: SESSION.get_service_model(service) for service in ("ecr", "iam")}
AUTONAME_SUFFIX = "-abc1234"
"""What pulumi-aws appends to a resource name it uses as an AWS name (a separator and 7 random characters)."""


@dataclass(frozen=True)
class ApiRequest:
    """One API call the provider makes for a registered resource."""

    resource: RegisteredResource
    service: str
    operation: str
    params: dict[str, Any]


def _present(**params: Any) -> dict[str, Any]:
    """The request members that are set (the provider leaves unset optional members out)."""
    return {key: value for key, value in params.items() if value not in (None, [], {})}


def _tags(tags: Mapping[str, str] | None) -> list[dict[str, str]] | None:
    return [{"Key": key, "Value": value} for key, value in (tags or {}).items()] or None


def _first(blocks: list[dict[str, Any]] | None) -> dict[str, Any] | None:
    return blocks[0] if blocks else None


def api_requests(run: OfflineRun) -> list[ApiRequest]:
    """Every create request behind the aws resources of ``run``."""
    requests = []
    for resource in run.resources:
        inputs = resource.inputs
        match resource.type:
            case "aws:ecr/registryPolicy:RegistryPolicy":
                requests.append(ApiRequest(resource, "ecr", "PutRegistryPolicy", {"policyText": inputs["policy"]}))
            case "aws:ecr/replicationConfiguration:ReplicationConfiguration":
                requests.append(ApiRequest(resource, "ecr", "PutReplicationConfiguration",
                                           {"replicationConfiguration": inputs["replicationConfiguration"]}))
            case "aws:ecr/repositoryCreationTemplate:RepositoryCreationTemplate":
                params = _present(
                    prefix=inputs["prefix"],
                    description=inputs.get("description"),
                    encryptionConfiguration=_first(inputs.get("encryptionConfigurations")),
                    resourceTags=_tags(inputs.get("resourceTags")),
                    imageTagMutability=inputs.get("imageTagMutability", "MUTABLE"),
                    imageTagMutabilityExclusionFilters=inputs.get("imageTagMutabilityExclusionFilters"),
                    repositoryPolicy=inputs.get("repositoryPolicy"),
                    lifecyclePolicy=inputs.get("lifecyclePolicy"),
                    appliedFor=inputs["appliedFors"],
                    customRoleArn=inputs.get("customRoleArn"),
                )
                requests.append(ApiRequest(resource, "ecr", "CreateRepositoryCreationTemplate", params))
            case "aws:ecr/registryScanningConfiguration:RegistryScanningConfiguration":
                params = {"scanType": inputs["scanType"], "rules": inputs["rules"]}
                requests.append(ApiRequest(resource, "ecr", "PutRegistryScanningConfiguration", params))
            case "aws:ecr/repository:Repository":
                params = _present(
                    repositoryName=inputs["name"],
                    tags=_tags(inputs.get("tags")),
                    imageTagMutability=inputs.get("imageTagMutability", "MUTABLE"),
                    imageTagMutabilityExclusionFilters=inputs.get("imageTagMutabilityExclusionFilters"),
                    imageScanningConfiguration=inputs.get("imageScanningConfiguration"),
                    encryptionConfiguration=_first(inputs.get("encryptionConfigurations")),
                )
                requests.append(ApiRequest(resource, "ecr", "CreateRepository", params))
            case "aws:ecr/lifecyclePolicy:LifecyclePolicy":
                params = {"repositoryName": inputs["repository"], "lifecyclePolicyText": inputs["policy"]}
                requests.append(ApiRequest(resource, "ecr", "PutLifecyclePolicy", params))
            case "aws:ecr/repositoryPolicy:RepositoryPolicy":
                params = {"repositoryName": inputs["repository"], "policyText": inputs["policy"]}
                requests.append(ApiRequest(resource, "ecr", "SetRepositoryPolicy", params))
            case "aws:ecr/pullThroughCacheRule:PullThroughCacheRule":
                # resourcePullThroughCacheRuleCreate: the prefix and URL always, the others when set.
                params = _present(ecrRepositoryPrefix=inputs["ecrRepositoryPrefix"],
                                  upstreamRegistryUrl=inputs["upstreamRegistryUrl"],
                                  customRoleArn=inputs.get("customRoleArn"),
                                  upstreamRepositoryPrefix=inputs.get("upstreamRepositoryPrefix"))
                requests.append(ApiRequest(resource, "ecr", "CreatePullThroughCacheRule", params))
            case "aws:iam/role:Role":
                params = _present(RoleName=role_name(resource), AssumeRolePolicyDocument=inputs["assumeRolePolicy"],
                                  Description=inputs.get("description"))
                requests.append(ApiRequest(resource, "iam", "CreateRole", params))
            case "aws:iam/rolePolicy:RolePolicy":
                params = {"RoleName": role_name(run.by_urn(resource.parent)),
                          "PolicyName": resource.name + AUTONAME_SUFFIX, "PolicyDocument": inputs["policy"]}
                requests.append(ApiRequest(resource, "iam", "PutRolePolicy", params))
    return requests




def role_name(role: RegisteredResource) -> str:
    """The name pulumi-aws gives a role without an explicit name."""
    return role.inputs.get("name") or role.name + AUTONAME_SUFFIX


def problems(request: ApiRequest) -> list[str]:
    """What botocore's model of the operation says is wrong with the request (empty: it fits)."""
    shape = MODELS[request.service].operation_model(request.operation).input_shape
    report = ParamValidator().validate(request.params, shape)
    found = [report.generate_report()] if report.has_errors() else []
    return found + list(_beyond_param_validator(request.params, shape, request.operation))


def _beyond_param_validator(value: Any, shape: Shape, path: str) -> Iterator[str]:
    """Maximums, patterns and enums, which the service (not botocore's client) enforces."""
    maximum = shape.metadata.get("max")
    if isinstance(shape, StringShape) and isinstance(value, str):
        if maximum is not None and len(value) > maximum:
            yield f"{path}: {len(value)} characters, more than {maximum}"
        pattern = shape.metadata.get("pattern")
        if pattern is not None and re.fullmatch(pattern, value) is None:
            yield f"{path}: {value[:80]!r} doesn't match {pattern}"
        if shape.enum and value not in shape.enum:
            yield f"{path}: {value!r} is not one of {shape.enum}"
    elif isinstance(shape, ListShape) and isinstance(value, list):
        if maximum is not None and len(value) > maximum:
            yield f"{path}: {len(value)} items, more than {maximum}"
        for index, item in enumerate(value):
            yield from _beyond_param_validator(item, shape.member, f"{path}[{index}]")
    elif isinstance(shape, StructureShape) and isinstance(value, Mapping):
        for name, member in value.items():
            if name in shape.members:
                yield from _beyond_param_validator(member, shape.members[name], f"{path}.{name}")
    elif isinstance(shape, MapShape) and isinstance(value, Mapping):
        for key, member in value.items():
            yield from _beyond_param_validator(member, shape.value, f"{path}.{key}")
