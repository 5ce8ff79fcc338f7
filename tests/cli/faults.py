"""A faulty network in front of the local AWS: an HTTP proxy on 127.0.0.1 between the CLI and moto (and the doubles
for what moto lacks) that answers a seeded share of the calls with a server error, throttling, or a dropped
connection, and passes the rest on.

The faults are the ones AWS and the network between produce, in the shapes botocore meets them:

* ``server-error``: HTTP 500 with the service's own error: ECR's modeled ``ServerException`` ("These errors are
  usually caused by a server-side issue", botocore's ECR model); from STS and IAM (query protocol) the
  ``InternalFailure`` of AWS's common errors. botocore's standard retry mode retries every 500, 502, 503 and 504
  (``botocore/retries/standard.py``, ``TransientRetryableChecker``).
* ``throttled``: what AWS answers a caller over its request rate: from ECR ``400 ThrottlingException`` "Rate
  exceeded", or ``429`` (ECR user guide, "Troubleshooting Amazon ECR error messages": "HTTP 429: Too Many Requests
  or ThrottleException"); from STS and IAM ``400 Throttling`` "Rate exceeded". Standard mode retries them as
  throttling, with its longer backoff: ``ThrottledRetryableChecker`` lists the codes ``Throttling`` and
  ``ThrottlingException``, ``ThrottlingStatusCodeChecker`` takes a 429 whose code the model doesn't know.
* ``dropped-before``: the connection is reset once the request has arrived, before anything acts on it (a load
  balancer or NAT dropping it): AWS never saw the call.
* ``dropped-after``: the request is passed on and AWS acts on it, then the connection is closed with no answer: the
  call happened, and the caller can't know. A retried ``PutImage`` then meets the image it pushed, a retried
  ``StartReplicationBackfill`` the backfill it started. botocore retries both drops as ``ConnectionClosedError``
  (an ``HTTPClientError``: ``TransientRetryableChecker``).

Which request meets which fault is drawn from the seed, the request itself (the service, region and operation it
was signed for, and its body) and how many times that same request was seen before, never from arrival order: a
command's thread pool sends its calls in any order, and a seed still picks the same faults. A retry is a new draw.
"""

from __future__ import annotations

import hashlib
import http.client
import json
import re
import socket
import struct
import threading
import urllib.parse
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from tests.cli.fakes import ServiceError

SERVER_ERROR, THROTTLED, DROPPED_BEFORE, DROPPED_AFTER = "server-error", "throttled", "dropped-before", "dropped-after"
FAULT_KINDS = (SERVER_ERROR, THROTTLED, DROPPED_BEFORE, DROPPED_AFTER)
"""Every kind of fault, in the order the rates are drawn."""

IDLE_SECONDS = 5.0
"""How long the proxy keeps an idle connection open (botocore pools connections), and waits for moto."""


@dataclass(frozen=True)
class FaultRates:
    """The share of requests that meets each kind of fault (together at most 1)."""

    server_error: float = 0.0
    throttled: float = 0.0
    dropped_before: float = 0.0
    dropped_after: float = 0.0

    def kind(self, draw: float) -> str | None:
        """The fault a request drawing ``draw`` (uniform in [0, 1)) meets, if any."""
        bound = 0.0
        for kind, rate in zip(FAULT_KINDS, (self.server_error, self.throttled, self.dropped_before, self.dropped_after)):
            bound += rate
            if draw < bound:
                return kind
        return None


@dataclass(frozen=True)
class Caller:
    """Who sent a request: the account of its credentials (``None`` when unknown), and the region and service it was
    signed for (SigV4's credential scope)."""

    account_id: str | None
    region: str
    service: str


StandIn = Callable[[Caller, dict[str, Any]], dict[str, Any]]
"""Answers one JSON-protocol operation moto lacks: the request's parameters in, the response body out (or a
:class:`~tests.cli.fakes.ServiceError`)."""

Observer = Callable[[Caller, dict[str, Any], dict[str, Any]], None]
"""Sees an operation moto answered with 200: the caller, the request's parameters and moto's response body."""


@dataclass
class _Request:
    """One request as it reached the proxy."""

    method: str
    path: str
    headers: http.client.HTTPMessage
    body: bytes

    @property
    def operation(self) -> str:
        """The operation: ``X-Amz-Target``'s (JSON protocol) or the form's ``Action`` (query protocol)."""
        target = self.headers.get("X-Amz-Target")
        if target:
            return target.rsplit(".", 1)[-1]
        return urllib.parse.parse_qs(self.body.decode("utf-8", "replace")).get("Action", [""])[0]

    @property
    def is_json(self) -> bool:
        """Whether the service speaks AWS's JSON protocol (ECR) rather than the query protocol (STS, IAM)."""
        return bool(self.headers.get("X-Amz-Target"))

    def scope(self) -> tuple[str, str, str]:
        """(access key id, region, service) from the SigV4 ``Authorization`` header."""
        found = re.search(r"Credential=([^/]+)/\d{8}/([^/]+)/([^/]+)/aws4_request", self.headers.get("Authorization", ""))
        return (found[1], found[2], found[3]) if found else ("", "", "")


@dataclass
class FaultyAws:
    """The proxy: started and stopped as a context manager, one per command run (``seed=None``: no faults). It is
    bounded in time: an idle connection is closed after :data:`IDLE_SECONDS`, a call to moto waits at most as long,
    and its threads end with the run.

    ``stand_ins`` answer the JSON operations moto lacks, ``observers`` see operations moto answered (a double that
    acts when AWS accepts a call), ``accounts`` maps access key ids to accounts (the credentials the test starts with;
    those of every role assumed through the proxy are learnt from the ``AssumeRole`` answers).
    """

    upstream: str
    seed: int | None = None
    rates: FaultRates = FaultRates()
    stand_ins: Mapping[str, StandIn] = field(default_factory=dict)
    observers: Mapping[str, Observer] = field(default_factory=dict)
    accounts: dict[str, str] = field(default_factory=dict)
    injected: Counter[str] = field(default_factory=Counter)
    """Faults injected, by kind."""
    requests: int = 0
    """Requests received, faulted or not."""
    _seen: Counter[bytes] = field(default_factory=Counter, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _server: ThreadingHTTPServer | None = field(default=None, repr=False)

    @property
    def endpoint(self) -> str:
        """The URL to give botocore (``AWS_ENDPOINT_URL``)."""
        assert self._server is not None, "the proxy is not running"
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def __enter__(self) -> FaultyAws:
        proxy = self

        class Handler(_Handler):
            faulty = proxy

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        return self

    def __exit__(self, *_: object) -> None:
        assert self._server is not None
        self._server.shutdown()
        self._server.server_close()

    def fault(self, request: _Request) -> tuple[str | None, float]:
        """The fault this request meets (``None``: none) and a second draw that picks the fault's variant."""
        _, region, service = request.scope()
        key = b"\n".join([request.method.encode(), request.path.encode(), region.encode(), service.encode(),
                          request.operation.encode(), request.body])
        with self._lock:
            self.requests += 1
            seen = self._seen[key]
            self._seen[key] += 1
        if self.seed is None:
            return None, 0.0
        digest = hashlib.sha256(f"{self.seed}:{seen}:".encode() + key).digest()
        first, second = (int.from_bytes(digest[i:i + 8], "big") / 2 ** 64 for i in (0, 8))
        kind = self.rates.kind(first)
        if kind is not None:
            with self._lock:
                self.injected[kind] += 1
        return kind, second

    def caller(self, request: _Request) -> Caller:
        """Who sent ``request``."""
        key, region, service = request.scope()
        with self._lock:
            return Caller(self.accounts.get(key), region, service)

    def answer(self, request: _Request) -> tuple[int, dict[str, str], bytes]:
        """What AWS answers: a double for an operation moto lacks, else moto (observers and ``AssumeRole`` seen)."""
        operation = request.operation
        if request.is_json and operation in self.stand_ins:
            try:
                body = self.stand_ins[operation](self.caller(request), json.loads(request.body or b"{}"))
            except ServiceError as error:
                return _json_error(error.status, error.code, error.message)
            return 200, {"Content-Type": "application/x-amz-json-1.1"}, json.dumps(body, default=_json_value).encode()
        status, headers, payload = self._forward(request)
        if status == 200 and request.is_json and operation in self.observers:
            self.observers[operation](self.caller(request), json.loads(request.body or b"{}"), json.loads(payload))
        if status == 200 and operation == "AssumeRole":
            self._learn(request, payload)
        return status, headers, payload

    def _forward(self, request: _Request) -> tuple[int, dict[str, str], bytes]:
        upstream = urllib.parse.urlsplit(self.upstream)
        connection = http.client.HTTPConnection(upstream.hostname, upstream.port, timeout=IDLE_SECONDS)
        try:
            headers = {k: v for k, v in request.headers.items() if k.lower() not in _HOP_BY_HOP}
            connection.request(request.method, request.path, body=request.body, headers=headers)
            response = connection.getresponse()
            payload = response.read()
            kept = {k: v for k, v in response.getheaders() if k.lower() not in _HOP_BY_HOP | {"content-length"}}
            return response.status, kept, payload
        finally:
            connection.close()

    def _learn(self, request: _Request, payload: bytes) -> None:
        """Remember whose account the credentials an ``AssumeRole`` answer issues are in (its ``RoleArn``'s)."""
        role = urllib.parse.parse_qs(request.body.decode()).get("RoleArn", [""])[0]
        account = re.match(r"arn:[\w-]+:iam::(\d{12}):", role)
        key = re.search(rb"<AccessKeyId>([^<]+)</AccessKeyId>", payload)
        if account and key:
            with self._lock:
                self.accounts[key[1].decode()] = account[1]


_HOP_BY_HOP = frozenset({"connection", "keep-alive", "transfer-encoding", "te", "trailer", "upgrade",
                         "proxy-authenticate", "proxy-authorization"})


def _json_value(value: Any) -> Any:
    """JSON for what ``json`` can't write: a timestamp as epoch seconds (the JSON protocol's default format)."""
    if isinstance(value, datetime):
        return value.timestamp()
    raise TypeError(f"{type(value).__name__} is not JSON")


def _json_error(status: int, code: str, message: str) -> tuple[int, dict[str, str], bytes]:
    """A JSON-protocol error: ``__type`` is the code botocore reads (with ``x-amzn-ErrorType``)."""
    return status, {"Content-Type": "application/x-amz-json-1.1", "x-amzn-ErrorType": f"{code}:"}, json.dumps(
        {"__type": code, "message": message}).encode()


def _query_error(status: int, code: str, message: str, sender: bool) -> tuple[int, dict[str, str], bytes]:
    """A query-protocol (STS, IAM) error document."""
    body = (f'<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>'
            f'{"Sender" if sender else "Receiver"}</Type><Code>{code}</Code><Message>{message}</Message></Error>'
            "<RequestId>fault-injected</RequestId></ErrorResponse>")
    return status, {"Content-Type": "text/xml"}, body.encode()


def error_answer(kind: str, request: _Request, variant: float) -> tuple[int, dict[str, str], bytes]:
    """The answer of a ``server-error`` or ``throttled`` fault, in the service's protocol (module docstring)."""
    if kind == SERVER_ERROR:
        if request.is_json:
            return _json_error(500, "ServerException", "Internal service error (fault injected)")
        return _query_error(500, "InternalFailure", "The request processing has failed (fault injected)", False)
    if not request.is_json:
        return _query_error(400, "Throttling", "Rate exceeded", True)
    if variant < 0.5:
        return _json_error(400, "ThrottlingException", "Rate exceeded")
    return _json_error(429, "ThrottleException", "Too Many Requests")


class _Handler(BaseHTTPRequestHandler):
    """One connection: requests in turn (HTTP/1.1 keep-alive, as botocore's pool uses them)."""

    protocol_version = "HTTP/1.1"
    timeout = IDLE_SECONDS
    faulty: FaultyAws

    def do_POST(self) -> None:  # noqa: N802 (http.server's name)
        """Serve one request, or fault it."""
        request = _Request(self.command, self.path, self.headers,
                           self.rfile.read(int(self.headers.get("Content-Length") or 0)))
        kind, variant = self.faulty.fault(request)
        if kind == DROPPED_BEFORE:
            self._drop(reset=True)
            return
        if kind in (SERVER_ERROR, THROTTLED):
            self._reply(*error_answer(kind, request, variant))
            return
        answer = self.faulty.answer(request)
        if kind == DROPPED_AFTER:
            self._drop(reset=False)
            return
        self._reply(*answer)

    def _reply(self, status: int, headers: dict[str, str], body: bytes) -> None:
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _drop(self, reset: bool) -> None:
        """Close the connection without an answer: a reset (RST), or an orderly close (FIN)."""
        if reset:
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.connection.close()
        self.close_connection = True

    def log_message(self, *_: object) -> None:
        """No access log."""


@contextmanager
def retries_without_long_waits(scale: float = 0.01) -> Iterator[None]:
    """botocore's standard retries as they are, with every backoff ``scale`` times as long.

    botocore's ``Config`` has no backoff setting: the base delays (1 s for throttling, 50 ms otherwise, doubled each
    attempt up to 20 s, with full jitter) are ``ExponentialBackoff._DEFAULT_BACKOFF_CONFIG`` in
    ``botocore/retries/standard.py``. Shrinking them keeps every decision real (which errors are retried, how many
    attempts, the retry quota, the throttling detection that picks the base) and only shortens the sleeps.
    """
    from botocore.retries.standard import ExponentialBackoff

    original = ExponentialBackoff._DEFAULT_BACKOFF_CONFIG
    assert set(original) == {"throttling_base_scale", "non_throttling_base_scale"}, "botocore's backoff changed"
    ExponentialBackoff._DEFAULT_BACKOFF_CONFIG = {name: value * scale for name, value in original.items()}
    try:
        yield
    finally:
        ExponentialBackoff._DEFAULT_BACKOFF_CONFIG = original
