"""Test doubles for what moto lacks, held to botocore's ECR service model.

``ReplicationStatuses`` answers ``DescribeImageReplicationStatus`` by request (repository, digest) rather
than in call order as botocore's ``Stubber`` does, because ``status`` asks from a thread pool. Like the
Stubber, it sits on the client's ``before-call`` event (the real client still validates the request) and
validates every response against the operation's output shape.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import boto3
from botocore.awsrequest import AWSResponse
from botocore.validate import validate_parameters

ClientHook = Callable[[str, Any], Any]
"""``(service, client) -> client``: may wrap or instrument a freshly made client."""


class HookedSession(boto3.Session):
    """A boto3 session whose new clients pass through ``hooks`` (the CLI's injectable test session)."""

    def __init__(self, hooks: list[ClientHook], **kwargs: Any) -> None:
        """Create the session with ``kwargs`` as ``boto3.Session`` takes them."""
        super().__init__(**kwargs)
        self.hooks = hooks

    def client(self, service_name: str, *args: Any, **kwargs: Any) -> Any:  # type: ignore[override]
        """A real client, then each hook's say."""
        client = super().client(service_name, *args, **kwargs)
        for hook in self.hooks:
            client = hook(service_name, client)
        return client


class ReplicationStatuses:
    """Model-checked answers to ``DescribeImageReplicationStatus``, keyed by repository and digest."""

    OPERATION = "DescribeImageReplicationStatus"

    def __init__(self, latency: float = 0.0) -> None:
        """Answer after ``latency`` seconds, like a real API round trip."""
        self.latency = latency
        self.statuses: dict[tuple[str, str], list[dict[str, str]]] = {}
        self.calls = 0
        self._lock = threading.Lock()

    def set(self, repository: str, digest: str, *statuses: dict[str, str]) -> None:
        """What AWS reports for one image (no statuses: replication never started)."""
        self.statuses[(repository, digest)] = list(statuses)

    def hook(self, service: str, client: Any) -> Any:
        """A ``HookedSession`` hook answering the operation on every ECR client."""
        if service == "ecr":
            client.meta.events.register(f"before-parameter-build.ecr.{self.OPERATION}", self._remember)
            client.meta.events.register(f"before-call.ecr.{self.OPERATION}", self._answer)
        return client

    @staticmethod
    def _remember(params: dict[str, Any], context: dict[str, Any], **_: Any) -> None:
        """Keep the request's parameters in its per-request context."""
        context["stub_params"] = dict(params)

    def _answer(self, model: Any, context: dict[str, Any], **_: Any) -> tuple[AWSResponse, dict[str, Any]]:
        """The stored statuses for the requested image, validated like a Stubber response."""
        time.sleep(self.latency)
        params = context["stub_params"]
        with self._lock:
            self.calls += 1
        body = {
            "repositoryName": params["repositoryName"],
            "imageId": params["imageId"],
            "replicationStatuses": self.statuses[(params["repositoryName"], params["imageId"]["imageDigest"])],
        }
        validate_parameters(body, model.output_shape)
        return AWSResponse(None, 200, {}, None), body


def status(region: str, registry_id: str, state: str, failure_code: str | None = None) -> dict[str, str]:
    """One ``replicationStatuses`` entry."""
    entry = {"region": region, "registryId": registry_id, "status": state}
    return entry | ({"failureCode": failure_code} if failure_code else {})


class RoutedClient:
    """The real (moto) client, except that the named operations and their paginators go to ``stubbed``."""

    def __init__(self, real: Any, stubbed: Any, operations: frozenset[str]) -> None:
        """Route the snake_case ``operations`` to ``stubbed``."""
        self._real, self._stubbed, self._operations = real, stubbed, operations

    def get_paginator(self, operation: str) -> Any:
        """The paginator of whichever client serves ``operation``."""
        return (self._stubbed if operation in self._operations else self._real).get_paginator(operation)

    def __getattr__(self, name: str) -> Any:
        """Everything else from the client that serves it."""
        return getattr(self._stubbed if name in self._operations else self._real, name)


class CallCounter:
    """Counts every API call the CLI's clients send, by operation name (retries are not new calls)."""

    def __init__(self) -> None:
        """No calls yet."""
        self.calls: dict[str, int] = {}
        self._lock = threading.Lock()

    def hook(self, service: str, client: Any) -> Any:
        """A ``HookedSession`` hook counting each call as it is built, whoever answers it."""
        client.meta.events.register("before-parameter-build", self._seen)
        return client

    def _seen(self, model: Any, **_: Any) -> None:
        with self._lock:
            self.calls[model.name] = self.calls.get(model.name, 0) + 1
