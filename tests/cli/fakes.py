"""Test doubles for what moto lacks, held to botocore's ECR service model.

``ReplicationStatuses`` answers ``DescribeImageReplicationStatus`` by request (repository, digest) rather
than in call order as botocore's ``Stubber`` does, because ``status`` asks from a thread pool. Like the
Stubber, it sits on the client's ``before-call`` event (the real client still validates the request) and
validates every response against the operation's output shape.

Each double also answers from behind HTTP: :class:`tests.cli.faults.FaultyAws` calls its ``answer`` (and
:class:`FakeReplication` sees each ``PutImage`` AWS accepted), so faults on the way reach the call as they reach
moto's. :class:`CreationTemplates` and :class:`FakeBackfills` answer only that way: they keep state, so a call
retried after a lost answer meets what the first one did, as it would in AWS.
"""

from __future__ import annotations

import datetime
import functools
import hashlib
import html
import json
import threading
import time
import urllib.parse
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import boto3
import botocore.exceptions
import botocore.session
from botocore.awsrequest import AWSResponse
from botocore.model import ServiceModel
from botocore.validate import validate_parameters

from replication.ecr_semantics import partition_of

ClientHook = Callable[[str, Any], Any]
"""``(service, client) -> client``: may wrap or instrument a freshly made client."""


@functools.lru_cache(maxsize=1)
def ecr_model() -> ServiceModel:
    """botocore's ECR service model (loaded once)."""
    return botocore.session.get_session().get_service_model("ecr")


def model_checked(operation: str, body: dict[str, Any]) -> dict[str, Any]:
    """``body`` after checking it against the output shape of the ECR ``operation`` (as a ``Stubber`` checks)."""
    validate_parameters(body, ecr_model().operation_model(operation).output_shape)
    return body


class ServiceError(Exception):
    """An error a double answers with, as AWS would: the error code, its message and the HTTP status."""

    def __init__(self, code: str, message: str, status: int = 400) -> None:
        """``code`` is the ``__type`` of a JSON-protocol error (botocore's ``Error.Code``)."""
        super().__init__(f"{code}: {message}")
        self.code, self.message, self.status = code, message, status


class HookedSession(boto3.Session):
    """A boto3 session whose new clients pass through ``hooks`` (the CLI's injectable test session).

    Each client it makes carries it as ``client.hooked_session``, so a hook can ask whose credentials sign the
    client's calls (:meth:`account_id`).
    """

    def __init__(self, hooks: list[ClientHook], **kwargs: Any) -> None:
        """Create the session with ``kwargs`` as ``boto3.Session`` takes them."""
        super().__init__(**kwargs)
        self.hooks = hooks
        self._account: str | None = None
        self._lock = threading.Lock()

    def client(self, service_name: str, *args: Any, **kwargs: Any) -> Any:  # type: ignore[override]
        """A real client, then each hook's say."""
        client = super().client(service_name, *args, **kwargs)
        client.hooked_session = self
        for hook in self.hooks:
            client = hook(service_name, client)
        return client

    def account_id(self, region: str) -> str:
        """The account of the session's credentials: the one an assumed role's credentials carry (from AssumeRole's
        answer), else STS ``GetCallerIdentity``'s in ``region``, asked once with a client no hook sees."""
        with self._lock:
            if self._account is None:
                credentials = self.get_credentials()
                self._account = credentials.get_frozen_credentials().account_id if credentials else None
            if self._account is None:
                self._account = super().client("sts", region_name=region).get_caller_identity()["Account"]
            return self._account


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

    def _answer(self, context: dict[str, Any], **_: Any) -> tuple[AWSResponse, dict[str, Any]]:
        return AWSResponse(None, 200, {}, None), self.answer(context["stub_params"])

    def answer(self, params: Mapping[str, Any]) -> dict[str, Any]:
        """The stored statuses for the requested image, validated like a Stubber response."""
        time.sleep(self.latency)
        with self._lock:
            self.calls += 1
        return model_checked(self.OPERATION, {
            "repositoryName": params["repositoryName"],
            "imageId": params["imageId"],
            "replicationStatuses": self.statuses[(params["repositoryName"], params["imageId"]["imageDigest"])],
        })


class CreationTemplates:
    """Model-checked answers to ``DescribeRepositoryCreationTemplates``, by registry; moto has no templates.

    It stands for ECR answering the call: every template of the caller's registry (the account of the credentials,
    the client's region) whatever it applies to, or those with the ``prefixes`` asked for, in one page (ECR API
    reference, "DescribeRepositoryCreationTemplates"); a registry without templates has an empty list. It answers
    two ways, each validating the response against the operation's output shape: on an ECR client's
    ``before-call`` event (:meth:`hook`: the real client has already validated the request), and from behind HTTP
    (:meth:`answer`, which :class:`tests.cli.faults.FaultyAws` calls). Unlike a Stubber it answers by registry,
    not in call order, as the commands read registries side by side.
    """

    OPERATION = "DescribeRepositoryCreationTemplates"

    def __init__(self, templates: Mapping[tuple[str, str], Sequence[dict[str, Any]]] | None = None,
                 latency: float = 0.0) -> None:
        """``templates`` by (account, region) of the registry that holds them; each answer on a client's event comes
        after ``latency`` seconds, like a real API round trip."""
        self.latency = latency
        self.templates: dict[tuple[str, str], list[dict[str, Any]]] = {k: list(v) for k, v in (templates or {}).items()}
        self.failures: dict[tuple[str, str], tuple[AWSResponse, dict[str, Any]]] = {}
        self.asked: list[tuple[str, str]] = []
        self._lock = threading.Lock()

    def set(self, account: str, region: str, *templates: dict[str, Any]) -> None:
        """The templates of registry ``account``/``region``."""
        self.templates[(account, region)] = list(templates)

    def fail(self, account: str, region: str, code: str, message: str, status: int) -> None:
        """Answer registry ``account``/``region`` with an AWS error instead (as its last answer, after retries)."""
        self.failures[(account, region)] = aws_error(code, message, status)

    def answer(self, registry: tuple[str, str], params: Mapping[str, Any]) -> dict[str, Any]:
        """The templates of ``registry`` (the caller's account, in the region the call went to)."""
        held = list(self.templates.get(registry, ()))
        if params.get("prefixes"):
            held = [t for t in held if t["prefix"] in params["prefixes"]]
        return model_checked(self.OPERATION, {"registryId": registry[0], "repositoryCreationTemplates": held})

    def hook(self, service: str, client: Any) -> Any:
        """A ``HookedSession`` hook answering the operation on every ECR client."""
        if service == "ecr":
            client.meta.events.register(f"before-call.ecr.{self.OPERATION}",
                                        lambda params, **_: self._answer(client, params))
        return client

    def _answer(self, client: Any, params: Mapping[str, Any]) -> tuple[AWSResponse, dict[str, Any]]:
        time.sleep(self.latency)
        registry = _registry_of(client)
        with self._lock:
            self.asked.append(registry)
        if registry in self.failures:
            return self.failures[registry]
        return AWSResponse(None, 200, {}, None), self.answer(registry, params)


def _registry_of(client: Any) -> tuple[str, str]:
    """The registry a client's calls reach: its credentials' account, its region."""
    region = client.meta.region_name
    return client.hooked_session.account_id(region), region


def aws_error(code: str, message: str, status: int) -> tuple[AWSResponse, dict[str, Any]]:
    """An AWS error answer as a ``before-call`` handler gives it (botocore raises it as a ``ClientError``)."""
    return (AWSResponse(None, status, {}, None),
            {"Error": {"Code": code, "Message": message}, "ResponseMetadata": {"HTTPStatusCode": status}})


def create_replication_role(iam: Any) -> None:
    """Stand in, through ``iam`` (a client of the source account), for the service-linked role ECR creates there when
    replication is first configured: AWSServiceRoleForECRReplication under
    /aws-service-role/replication.ecr.amazonaws.com/, trusting replication.ecr.amazonaws.com (ECR user guide, "Amazon
    ECR service-linked role for replication"). moto has no service-linked roles, so a role of that path, name and
    trust stands in for it."""
    iam.create_role(
        RoleName="AWSServiceRoleForECRReplication", Path="/aws-service-role/replication.ecr.amazonaws.com/",
        AssumeRolePolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": "sts:AssumeRole", "Principal": {"Service": "replication.ecr.amazonaws.com"}}]}))


def pull_through_rule(account: str, prefix: str, upstream: Any, role: str | None = None,
                      upstream_prefix: str | None = None) -> dict[str, Any]:
    """A rule as ``DescribePullThroughCacheRules`` answers it, caching from the private registry ``upstream`` (an
    ``ecr_semantics.Registry``; ``upstreamRegistry`` ``ecr``); ``upstream_prefix`` ``None`` stands for a rule made
    without one, which ECR reports as ``ROOT`` (botocore, ``CreatePullThroughCacheRule.upstreamRepositoryPrefix``)."""
    rule = {"ecrRepositoryPrefix": prefix, "upstreamRegistryUrl": upstream.host, "registryId": account,
            "upstreamRegistry": "ecr", "upstreamRepositoryPrefix": upstream_prefix or "ROOT",
            "createdAt": datetime.datetime(2026, 1, 2, tzinfo=datetime.timezone.utc)}
    return rule | ({"customRoleArn": role} if role else {})


class PullThroughCache:
    """Model-checked answers to the pull-through cache rule operations, by registry; moto has none of them.

    It stands for ECR as its API reference describes the operations: ``DescribePullThroughCacheRules`` without
    ``ecrRepositoryPrefixes`` answers every rule of the caller's registry (the credentials' account, the client's
    region; "If no repository prefix value is specified, all pull through cache rules are returned"), here in one
    page; ``ValidatePullThroughCacheRule`` answers ``isValid`` (and a ``failure`` reason when not) for an existing
    rule, and ``PullThroughCacheRuleNotFoundException`` (an error botocore's model lists for it) for a prefix without
    one. Like a Stubber it sits on the client's ``before-call`` event, after the real client validated the request,
    and validates every answer against the operation's output shape; unlike one it answers by registry and request,
    as ``check`` reads registries side by side.
    """

    DESCRIBE, VALIDATE = "DescribePullThroughCacheRules", "ValidatePullThroughCacheRule"

    def __init__(self) -> None:
        """No registry has rules; every rule validates."""
        self.rules: dict[tuple[str, str], list[dict[str, Any]]] = {}
        self.invalid: dict[tuple[str, str, str], str] = {}
        self.failures: dict[tuple[str, str, str], tuple[AWSResponse, dict[str, Any]]] = {}
        self.validated: list[tuple[str, str, str]] = []
        self._lock = threading.Lock()

    def set(self, account: str, region: str, *rules: dict[str, Any]) -> None:
        """The rules of registry ``account``/``region``."""
        self.rules[(account, region)] = list(rules)

    def invalidate(self, account: str, region: str, prefix: str, failure: str) -> None:
        """ECR can't validate the rule ``prefix`` of that registry, for ``failure``."""
        self.invalid[(account, region, prefix)] = failure

    def fail(self, account: str, region: str, operation: str, code: str, message: str, status: int) -> None:
        """Answer ``operation`` in that registry with an AWS error instead (its last answer, after retries)."""
        self.failures[(account, region, operation)] = aws_error(code, message, status)

    def hook(self, service: str, client: Any) -> Any:
        """A ``HookedSession`` hook answering both operations on every ECR client."""
        if service == "ecr":
            for operation in (self.DESCRIBE, self.VALIDATE):
                client.meta.events.register(f"before-parameter-build.ecr.{operation}", ReplicationStatuses._remember)
                client.meta.events.register(f"before-call.ecr.{operation}",
                                            lambda model, context, **_: self._answer(client, model, context))
        return client

    def _answer(self, client: Any, model: Any, context: dict[str, Any]) -> tuple[AWSResponse, dict[str, Any]]:
        account, region = _registry_of(client)
        failure = self.failures.get((account, region, model.name))
        if failure is not None:
            return failure
        rules = self.rules.get((account, region), [])
        if model.name == self.DESCRIBE:
            body: dict[str, Any] = {"pullThroughCacheRules": rules}
        else:
            prefix = context["stub_params"]["ecrRepositoryPrefix"]
            rule = next((r for r in rules if r["ecrRepositoryPrefix"] == prefix), None)
            if rule is None:
                return aws_error("PullThroughCacheRuleNotFoundException",
                                  f"The pull through cache rule with prefix '{prefix}' does not exist", 400)
            with self._lock:
                self.validated.append((account, region, prefix))
            failure_text = self.invalid.get((account, region, prefix))
            body = {key: rule[key] for key in ("ecrRepositoryPrefix", "registryId", "upstreamRegistryUrl",
                                               "customRoleArn", "upstreamRepositoryPrefix") if key in rule}
            body |= {"isValid": failure_text is None} | ({"failure": failure_text} if failure_text else {})
        validate_parameters(body, model.output_shape)
        return AWSResponse(None, 200, {}, None), body


class RegistryPolicies:
    """``GetRegistryPolicy`` answers for registries whose policy moto can't hold, by registry; other registries are
    left to moto.

    moto validates a registry policy as the older ``V1`` registry policy scope did and refuses every action but
    ``ecr:ReplicateImage`` and ``ecr:CreateRepository``; the current scope (``V2``, the only one botocore's
    ``PutAccountSetting`` model still accepts for ``REGISTRY_POLICY_SCOPE``) takes any ECR action, which the
    pull-through grant needs (ECR user guide, "Private registry permissions in Amazon ECR" and "Setting up
    permissions for cross-account ECR to ECR PTC"). The answer is validated against the operation's output shape.
    """

    OPERATION = "GetRegistryPolicy"

    def __init__(self) -> None:
        """No registry answered here."""
        self.policies: dict[tuple[str, str], str | None] = {}

    def set(self, account: str, region: str, policy: str | None) -> None:
        """The policy text of registry ``account``/``region`` (``None``: it has none)."""
        self.policies[(account, region)] = policy

    def hook(self, service: str, client: Any) -> Any:
        """A ``HookedSession`` hook answering the operation on every ECR client."""
        if service == "ecr":
            client.meta.events.register(f"before-call.ecr.{self.OPERATION}",
                                        lambda model, **_: self._answer(client, model))
        return client

    def _answer(self, client: Any, model: Any) -> tuple[AWSResponse, dict[str, Any]] | None:
        registry = _registry_of(client)
        if registry not in self.policies:
            return None
        policy = self.policies[registry]
        if policy is None:
            return aws_error("RegistryPolicyNotFoundException",
                              f"Registry policy does not exist in the registry with id '{registry[0]}'", 400)
        body = {"registryId": registry[0], "policyText": policy}
        validate_parameters(body, model.output_shape)
        return AWSResponse(None, 200, {}, None), body


class Latency:
    """Every API call sent over HTTP waits ``seconds`` first, like a real round trip to AWS."""

    def __init__(self, seconds: float) -> None:
        """Wait ``seconds`` before each call."""
        self.seconds = seconds

    def hook(self, service: str, client: Any) -> Any:
        """A ``HookedSession`` hook delaying every call of the client."""
        client.meta.events.register("before-send", self._wait)
        return client

    def _wait(self, **_: Any) -> None:
        time.sleep(self.seconds)


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
        if http_response.status_code == 200:
            self.pushed(parsed["image"])

    def pushed(self, image: dict[str, Any]) -> None:
        """AWS accepted a ``PutImage`` of ``image`` (its ``image`` response member): replication starts now."""
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


@dataclass(frozen=True)
class Sent:
    """One request botocore sent: to which service and operation, at which URL, signed for which region, with which
    access key (never the secret)."""

    service: str
    operation: str
    url: str
    signing_region: str
    access_key: str

    @property
    def host(self) -> str:
        """The endpoint's host name."""
        return urllib.parse.urlsplit(self.url).hostname or ""


Answer = Callable[[Sent, Mapping[str, Any]], Mapping[str, Any]]
"""``(request, its parameters) -> output``: an operation's answer, as botocore's model shapes it."""


class AwsOnTheWire:
    """Plays AWS at botocore's ``before-send`` event, after botocore resolved the endpoint and signed the request as
    it would for AWS (no ``AWS_ENDPOINT_URL``): records each request and answers it, so nothing leaves the machine.

    It stands for STS as the STS API reference describes it: ``AssumeRole`` issues temporary credentials of the
    role's account (``AssumedRoleUser.Arn`` is ``arn:<partition>:sts::<account>:assumed-role/<role>/<session>``),
    and ``GetCallerIdentity`` names the account of the credentials that signed the call. Access keys here carry
    their account (``AKIA`` or ``ASIA`` then the 12 digits), which is how it tells callers apart. Other operations
    are answered from :attr:`answers`. Every answer is validated against the operation's output shape in
    botocore's model and serialized in the service's protocol (query XML for STS and IAM, JSON 1.1 for ECR);
    errors are AWS's error documents for that protocol. A request nobody answers fails the run.
    """

    def __init__(self) -> None:
        """No answers, nothing sent."""
        self.sent: list[Sent] = []
        self.answers: dict[str, Answer] = {}
        """Answers by operation name (``DescribeRegistry``)."""
        self.failures: dict[str, tuple[int, str, str]] = {}
        """Operations (``AssumeRole``, or ``AssumeRole <role ARN>`` for one role) answered with (HTTP status, error
        code, message)."""
        self.pages: dict[str, tuple[int, str]] = {}
        """Operations answered with (HTTP status, an HTML page), as a proxy or load balancer on the way answers."""
        self._models = botocore.session.get_session()
        self._lock = threading.Lock()

    def session(self, **kwargs: Any) -> boto3.Session:
        """The CLI's ``session_factory``: a boto3 session (``kwargs`` as ``boto3.Session`` takes them) whose every
        client's requests it answers, botocore's own included (the STS client of a ``role_arn`` profile)."""
        session = boto3.Session(**kwargs)
        session.events.register("before-send", self._send)
        return session

    def _send(self, request: Any, event_name: str, **_: Any) -> AWSResponse:
        service, operation = event_name.split(".")[1:3]
        credential = _header(request, "Authorization").split("Credential=")[1].split(",")[0].split("/")
        sent = Sent(service, operation, request.url, credential[2], credential[0])
        with self._lock:
            self.sent.append(sent)
        model = self._models.get_service_model(service).operation_model(operation)
        params = _parameters(request, model)
        if operation in self.pages:
            status, page = self.pages[operation]
            return AWSResponse(request.url, status, {"Content-Type": "text/html"}, _Body(page.encode()))
        failure = self.failures.get(f"{operation} {params.get('RoleArn')}") or self.failures.get(operation)
        if failure is not None:
            return _error(model, request.url, *failure)
        if operation == "AssumeRole":
            body = self._assume_role(params)
        elif operation == "GetCallerIdentity":
            account = sent.access_key[4:16]
            body = {"UserId": "AIDAEXAMPLEUSERID", "Account": account,
                    "Arn": f"arn:{partition_of(sent.signing_region).name}:iam::{account}:user/ci"}
        elif operation in self.answers:
            body = dict(self.answers[operation](sent, params))
        else:
            raise AssertionError(f"nobody answers {service}:{operation} at {request.url}")
        validate_parameters(body, model.output_shape)
        return _answer(model, request.url, body)

    @staticmethod
    def _assume_role(params: Mapping[str, Any]) -> dict[str, Any]:
        partition, account, name = params["RoleArn"].split(":")[1], params["RoleArn"].split(":")[4], params["RoleArn"].rsplit("/", 1)[1]
        expires = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(hours=1)
        return {"Credentials": {"AccessKeyId": f"ASIA{account}", "SecretAccessKey": "role-secret",
                                "SessionToken": "role-session-token", "Expiration": expires},
                "AssumedRoleUser": {"AssumedRoleId": f"AROAEXAMPLEROLEID:{params['RoleSessionName']}",
                                    "Arn": f"arn:{partition}:sts::{account}:assumed-role/{name}/{params['RoleSessionName']}"}}


def _header(request: Any, name: str) -> str:
    value = request.headers.get(name, b"")
    return value.decode() if isinstance(value, bytes) else str(value)


def _parameters(request: Any, model: Any) -> dict[str, Any]:
    """The request's top-level parameters: a query form (STS, IAM) or a JSON document (ECR)."""
    body = request.body or b""
    text = body.decode() if isinstance(body, bytes) else str(body)
    if model.metadata["protocol"] == "query":
        return {key: values[0] for key, values in urllib.parse.parse_qs(text).items()}
    return json.loads(text or "{}")


class _Body:
    """An HTTP body botocore reads with ``stream()``."""

    def __init__(self, data: bytes) -> None:
        self.data = data

    def stream(self, **_: Any) -> Any:
        yield self.data


def _answer(model: Any, url: str, body: Mapping[str, Any]) -> AWSResponse:
    """``body`` as the service's protocol carries a successful answer."""
    if model.metadata["protocol"] == "query":
        wrapper = model.output_shape.serialization["resultWrapper"]
        inner = _xml(model.output_shape, body)
        document = (f'<{model.name}Response xmlns="{model.metadata["xmlNamespace"]}"><{wrapper}>{inner}</{wrapper}>'
                    f"<ResponseMetadata><RequestId>request-1</RequestId></ResponseMetadata></{model.name}Response>")
        return AWSResponse(url, 200, {"Content-Type": "text/xml"}, _Body(document.encode()))
    return AWSResponse(url, 200, {"Content-Type": "application/x-amz-json-1.1"},
                       _Body(json.dumps(body, default=lambda value: value.timestamp()).encode()))


def _error(model: Any, url: str, status: int, code: str, message: str) -> AWSResponse:
    """AWS's error document for the service's protocol."""
    if model.metadata["protocol"] == "query":
        document = (f'<ErrorResponse xmlns="{model.metadata["xmlNamespace"]}"><Error><Type>Sender</Type>'
                    f"<Code>{code}</Code><Message>{html.escape(message)}</Message></Error>"
                    "<RequestId>request-1</RequestId></ErrorResponse>")
        return AWSResponse(url, status, {"Content-Type": "text/xml"}, _Body(document.encode()))
    return AWSResponse(url, status, {"Content-Type": "application/x-amz-json-1.1"},
                       _Body(json.dumps({"__type": code, "message": message}).encode()))


def _xml(shape: Any, value: Any) -> str:
    """The query protocol's XML for ``value`` of ``shape`` (structures by member name, lists as ``member``
    elements, timestamps in ISO 8601)."""
    if shape.type_name == "structure":
        return "".join(f"<{shape.members[name].serialization.get('name', name)}>{_xml(shape.members[name], item)}"
                       f"</{shape.members[name].serialization.get('name', name)}>" for name, item in value.items())
    if shape.type_name == "list":
        return "".join(f"<member>{_xml(shape.member, item)}</member>" for item in value)
    if shape.type_name == "timestamp":
        return value.isoformat() if isinstance(value, datetime.datetime) else str(value)
    if shape.type_name == "boolean":
        return "true" if value else "false"
    return html.escape(str(value))


BACKFILL_STARTED = datetime.datetime(2026, 1, 1, tzinfo=datetime.timezone.utc)
"""When the backfills of :class:`FakeBackfills` start."""

ACTIVE_BACKFILL = frozenset({"PREPARING", "IN_PROGRESS", "STOPPING"})
"""Backfill statuses that are not terminal (botocore's ECR model, ``ReplicationBackfillStatus``)."""


@dataclass
class _Backfill:
    """One backfill as ECR keeps it."""

    backfill_id: str
    destination: tuple[str, str]
    status: str = "PREPARING"
    stage: int = 0


class FakeBackfills:
    """Plays ECR's replication backfill for one source registry (moto has none of its APIs), on a clock the test
    moves with :meth:`advance` (one call: one poll interval later).

    What it stands for (botocore's ECR model, the documentation of each operation):

    * ``StartReplicationBackfill`` starts one for a destination of the replication configuration; "Only one
      replication backfill can be in progress for a given destination Region at a time" (else
      ``ReplicationBackfillInProgressException``) and "a registry can have at most 10 replication backfills in
      progress at once" (else ``LimitExceededException``); a destination outside the configuration is refused
      ("The destination must already be configured");
    * a backfill is PREPARING without ``progress`` ("null until the replication backfill finishes preparing the
      set of images"), then IN_PROGRESS, then COMPLETE, each image and tag counting once, failed ones with their
      code;
    * ``ListReplicationBackfills`` lists them all; ``DescribeReplicationBackfillResults`` gives per-image results
      "only after the replication backfill reaches a terminal status".

    Its state lives on the server side, so a start retried after its answer was lost meets the backfill the first
    attempt started, as in AWS.
    """

    LIMIT = 10

    def __init__(self, registry_id: str, destinations: Sequence[tuple[str, str]], images: Sequence[tuple[str, str]],
                 failures: Mapping[tuple[str, str], Mapping[tuple[str, str], str]] | None = None) -> None:
        """Backfill ``images`` ((repository, tag), the same for every destination) to the configured
        ``destinations`` ((account, region)); ``failures`` gives per destination the images that fail, with their
        failure codes."""
        self.registry_id = registry_id
        self.destinations = list(destinations)
        self.images = list(images)
        self.failures = {d: dict(f) for d, f in (failures or {}).items()}
        self.backfills: list[_Backfill] = []
        self.started: list[tuple[str, str]] = []
        """Every destination a backfill was started for, in order (a second start for one is a bug in the caller)."""
        self._lock = threading.Lock()

    def operations(self) -> dict[str, Callable[[Mapping[str, Any]], dict[str, Any]]]:
        """The ECR operations this double answers, by name."""
        return {"StartReplicationBackfill": self.start_backfill, "ListReplicationBackfills": self.list_backfills,
                "DescribeReplicationBackfillResults": self.backfill_results}

    def advance(self, _seconds: float = 0.0) -> None:
        """One poll interval passes: each running backfill moves a stage (PREPARING, IN_PROGRESS, then COMPLETE)."""
        with self._lock:
            for backfill in self.backfills:
                if backfill.status in ACTIVE_BACKFILL:
                    backfill.stage += 1
                    backfill.status = "IN_PROGRESS" if backfill.stage == 1 else "COMPLETE"

    def start_backfill(self, params: Mapping[str, Any]) -> dict[str, Any]:
        """``StartReplicationBackfill``."""
        destination = (params["destination"]["registryId"], params["destination"]["region"])
        with self._lock:
            if destination not in self.destinations:
                raise ServiceError("ValidationException", f"destination {destination} is not in the replication "
                                                          "configuration")
            active = [b for b in self.backfills if b.status in ACTIVE_BACKFILL]
            if any(b.destination[1] == destination[1] for b in active):
                raise ServiceError("ReplicationBackfillInProgressException",
                                   f"a replication backfill is already in progress for region {destination[1]}")
            if len(active) >= self.LIMIT:
                raise ServiceError("LimitExceededException", "the registry has 10 replication backfills in progress")
            backfill = _Backfill(f"00000000-0000-0000-0000-{len(self.backfills) + 1:012x}", destination)
            self.backfills.append(backfill)
            self.started.append(destination)
            return model_checked("StartReplicationBackfill", {**self._summary(backfill), "registryId": self.registry_id})

    def list_backfills(self, params: Mapping[str, Any]) -> dict[str, Any]:
        """``ListReplicationBackfills``: every backfill, one page."""
        with self._lock:
            return model_checked("ListReplicationBackfills", {
                "registryId": self.registry_id, "backfills": [self._summary(b) for b in self.backfills]})

    def backfill_results(self, params: Mapping[str, Any]) -> dict[str, Any]:
        """``DescribeReplicationBackfillResults``: per-image results once the backfill has ended."""
        with self._lock:
            found = [b for b in self.backfills if b.backfill_id == params["replicationBackfillId"]]
            if not found:
                raise ServiceError("ReplicationBackfillNotFoundException",
                                   f"no replication backfill {params['replicationBackfillId']}")
            backfill = found[0]
            body = {**self._summary(backfill), "registryId": self.registry_id}
            if backfill.status not in ACTIVE_BACKFILL:
                failures = self.failures.get(backfill.destination, {})
                body["results"] = [
                    {"repositoryName": repository, "imageId": {"imageTag": tag},
                     **({"status": "FAILED", "failureCode": failures[(repository, tag)]}
                        if (repository, tag) in failures else {"status": "COMPLETE"})}
                    for repository, tag in self.images]
            return model_checked("DescribeReplicationBackfillResults", body)

    def _summary(self, backfill: _Backfill) -> dict[str, Any]:
        summary: dict[str, Any] = {
            "replicationBackfillId": backfill.backfill_id, "status": backfill.status, "startedAt": BACKFILL_STARTED,
            "destination": {"registryId": backfill.destination[0], "region": backfill.destination[1]}}
        if backfill.stage:
            failed = len(self.failures.get(backfill.destination, {})) if backfill.status == "COMPLETE" else 0
            done = len(self.images) - failed if backfill.status == "COMPLETE" else len(self.images) // 2
            codes = sorted(set(self.failures.get(backfill.destination, {}).values())) if failed else []
            summary["progress"] = {"totalReplicationCount": len(self.images), "completedReplicationCount": done,
                                   "failedReplicationCount": failed, "failureCodes": codes}
        return summary


SERVER_ERROR = (500, "ServerException", "Internal error")
"""ECR failing a call (HTTP 500 ``ServerException``, botocore's ECR model)."""
TOO_MANY = (429, "ThrottleException", "Too Many Requests")
"""ECR throttling a call (ECR user guide, "Troubleshooting": 429 ``ThrottleException``)."""
DENIED = (400, "AccessDeniedException", "not authorized to perform: ecr:DescribeImageReplicationStatus")
"""ECR refusing a call for want of permission (HTTP 400 ``AccessDeniedException``)."""


class FailsFirst:
    """An ECR client whose ``operation``, after ``after`` calls that reach AWS, meets ``errors``, one a call, then
    reaches AWS again: each is the error a call raises once botocore's retries gave up on it (a ``ClientError`` with
    AWS's HTTP status and error code, as botocore's parser makes it). With ``always`` the last error never stops."""

    def __init__(self, client: Any, operation: str, *errors: tuple[int, str, str], after: int = 0,
                 always: bool = False) -> None:
        self._client, self._operation, self._errors = client, operation, list(errors)
        self._after, self._always = after, always

    def __getattr__(self, name: str) -> Any:
        method = getattr(self._client, name)
        if name != self._operation:
            return method

        def failing(**kwargs: Any) -> Any:
            if self._after:
                self._after -= 1
            elif self._errors:
                last = self._always and len(self._errors) == 1
                status, code, message = self._errors[0] if last else self._errors.pop(0)
                raise botocore.exceptions.ClientError(aws_error(code, message, status)[1],
                                                      self._client.meta.method_to_api_mapping[name])
            return method(**kwargs)
        return failing


def failing(operation: str, *errors: tuple[int, str, str], region: str | None = None, after: int = 0,
            always: bool = False) -> ClientHook:
    """A ``HookedSession`` hook making ``operation`` (snake_case) of every ECR client (of ``region``, if given) fail
    as :class:`FailsFirst` does."""
    return lambda service, client: (FailsFirst(client, operation, *errors, after=after, always=always)
                                    if service == "ecr" and region in (None, client.meta.region_name) else client)
