"""Test doubles for what moto lacks, held to botocore's ECR service model.

``ReplicationStatuses`` answers ``DescribeImageReplicationStatus`` by request (repository, digest) rather
than in call order as botocore's ``Stubber`` does, because ``status`` asks from a thread pool. Like the
Stubber, it sits on the client's ``before-call`` event (the real client still validates the request) and
validates every response against the operation's output shape.
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
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


@dataclass(frozen=True)
class Delivery:
    """How replication treats one destination registry in :class:`FakeReplication`.

    ``after``: seconds after the push when the copy lands (``None``: never; the status stays IN_PROGRESS).
    ``failure_code``: instead of copying, report FAILED with this code after ``after`` seconds.
    ``repository``: the settings the destination repository gets when replication creates it, as the matching
    creation template would set them (moto has no templates): ``create_repository`` arguments, plus
    ``lifecyclePolicyText`` and ``policyText``.
    ``other_image``: land another manifest under the canary's tag (something else writing to that repository).
    ``lands``: ``False`` reports COMPLETE without the image being readable in the destination (as when something
    there deletes it at once, or the status runs ahead of what the destination shows).
    """

    after: float | None = 0.0
    failure_code: str | None = None
    repository: Mapping[str, Any] = field(default_factory=dict)
    other_image: bool = False
    lands: bool = True


class FakeReplication:
    """Plays ECR replication for the images the CLI pushes, on a clock the test moves.

    It stands for what AWS does after a push to a replicated repository; moto stores images but does none of it:

    * the image pushed is copied into each destination registry under the same repository name (ECR user guide,
      "Private image replication in Amazon ECR", docs.aws.amazon.com/AmazonECR/latest/userguide/replication.html,
      considerations: "The repository name will remain the same across Regions and accounts"), as the same
      manifest with its tag, so with the same digest (the digest names the manifest's bytes: OCI image-spec,
      ``descriptor.md``);
    * a repository missing in the destination is created first (same page, "Cross-account replication policy
      requirements": ``ecr:CreateRepository`` "allows ECR to automatically create repositories in the
      destination registry if they don't already exist"), with the settings of the creation template that
      applies; a repository that already exists keeps its own (ECR user guide, "Creating a repository creation
      template in Amazon ECR", .../userguide/repository-creation-templates-create.html: "This doesn't have any
      effect on any previously created repositories");
    * the source's ``DescribeImageReplicationStatus`` reports each destination as IN_PROGRESS, then COMPLETE, or
      FAILED with a ``failureCode`` (ECR API reference, ``ImageReplicationStatus``; botocore's ECR model,
      ``ReplicationStatus`` enum).

    The helper watches the CLI's ``PutImage`` responses, answers the status call through a
    :class:`ReplicationStatuses` responder (validated against botocore's model), and writes the copies with moto
    calls made in the destination account (``session_for(account, region)``, credentials of that account).
    """

    def __init__(self, statuses: ReplicationStatuses, session_for: Callable[[str, str], boto3.Session]) -> None:
        """Report through ``statuses``; reach each destination account through ``session_for``."""
        self.statuses = statuses
        self.session_for = session_for
        self.deliveries: dict[tuple[str, str], Delivery] = {}
        self.now = 0.0
        self.pushes: list[tuple[float, dict[str, Any]]] = []
        self._done: set[tuple[int, tuple[str, str]]] = set()

    def deliver(self, account: str, region: str, delivery: Delivery | None = None) -> None:
        """Replicate every push to ``account``/``region`` as ``delivery`` says (default: at once)."""
        self.deliveries[(account, region)] = delivery or Delivery()

    def hook(self, service: str, client: Any) -> Any:
        """A ``HookedSession`` hook that sees each successful ``PutImage`` the CLI makes."""
        if service == "ecr":
            client.meta.events.register("after-call.ecr.PutImage", self._pushed)
        return client

    def _pushed(self, http_response: Any, parsed: dict[str, Any], **_: Any) -> None:
        if http_response.status_code != 200:
            return
        image = parsed["image"]
        self.pushes.append((self.now, image))
        self._report(image)

    def advance(self, now: float) -> None:
        """Move replication's clock to ``now``: land or fail every delivery that is due."""
        self.now = now
        for number, (pushed, image) in enumerate(self.pushes):
            for destination, delivery in self.deliveries.items():
                due = delivery.after is not None and now >= pushed + delivery.after
                if due and (number, destination) not in self._done:
                    self._done.add((number, destination))
                    if delivery.failure_code is None and delivery.lands:
                        self._copy(image, destination, delivery)
            self._report(image)

    def _state(self, number: int, destination: tuple[str, str]) -> dict[str, str]:
        delivery = self.deliveries[destination]
        if (number, destination) not in self._done:
            return status(destination[1], destination[0], "IN_PROGRESS")
        if delivery.failure_code is not None:
            return status(destination[1], destination[0], "FAILED", delivery.failure_code)
        return status(destination[1], destination[0], "COMPLETE")

    def _report(self, image: dict[str, Any]) -> None:
        number = next(n for n, (_, pushed) in enumerate(self.pushes) if pushed is image)
        self.statuses.set(image["repositoryName"], image["imageId"]["imageDigest"],
                          *(self._state(number, destination) for destination in self.deliveries))

    def _copy(self, image: dict[str, Any], destination: tuple[str, str], delivery: Delivery) -> None:
        """What ECR does in the destination account: create the repository if needed, then put the same image."""
        ecr = self.session_for(*destination).client("ecr")
        name = image["repositoryName"]
        settings = dict(delivery.repository)
        lifecycle, policy = settings.pop("lifecyclePolicyText", None), settings.pop("policyText", None)
        try:
            ecr.create_repository(repositoryName=name, **settings)
            if lifecycle:
                ecr.put_lifecycle_policy(repositoryName=name, lifecyclePolicyText=lifecycle)
            if policy:
                ecr.set_repository_policy(repositoryName=name, policyText=policy)
        except ecr.exceptions.RepositoryAlreadyExistsException:
            pass  # templates act only when replication creates the repository (class docstring)
        manifest, digest = image["imageManifest"], image["imageId"]["imageDigest"]
        if delivery.other_image:
            manifest = json.dumps({**json.loads(manifest), "annotations": {"written-by": "someone else"}})
            digest = "sha256:" + hashlib.sha256(manifest.encode()).hexdigest()
        ecr.put_image(repositoryName=name, imageManifest=manifest, imageManifestMediaType=image["imageManifestMediaType"],
                      imageTag=image["imageId"]["imageTag"], imageDigest=digest)
