"""Helpers the component tests share: run arguments that may be invalid, and real region names."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import botocore.session
import pulumi_aws as aws

from replication import EcrReplication, ReplicationConfigError
from replication.preview.runner import RegisteredResource, run_offline
from tests.conftest import DEST_ACCOUNT, SOURCE_ACCOUNT, account_provider

PROVIDERS = "pulumi:providers:aws"

DESTINATION_REGIONS = sorted(set(botocore.session.get_session().get_available_regions("ecr")) - {"us-east-1"})
"""Commercial regions ECR serves (botocore's endpoint data), other than the source's us-east-1."""


def attempt(
    build_args: Callable[[aws.Provider, aws.Provider], Any], name: str = "images"
) -> tuple[ReplicationConfigError | None, list[RegisteredResource]]:
    """Run ``EcrReplication(name, build_args(src, dst))`` under mocks from 111111111111/us-east-1 to
    222222222222/us-west-2, and return the ReplicationConfigError it raised (if any) and every registration."""
    errors: list[ReplicationConfigError] = []

    def program() -> None:
        src = account_provider("source", SOURCE_ACCOUNT, "us-east-1")
        dst = account_provider("destination", DEST_ACCOUNT, "us-west-2")
        try:
            EcrReplication(name, build_args(src, dst))
        except ReplicationConfigError as error:
            errors.append(error)

    run = run_offline(program)
    return (errors[0] if errors else None), run.resources


def rejected_before_any_resource(build_args: Callable[[aws.Provider, aws.Provider], Any]) -> ReplicationConfigError:
    """The error ``build_args`` raises; fails the test unless nothing but the providers was registered first."""
    error, registered = attempt(build_args)
    assert error is not None, "no ReplicationConfigError"
    assert {r.type for r in registered} == {PROVIDERS}, "a resource was registered before validation failed"
    return error
