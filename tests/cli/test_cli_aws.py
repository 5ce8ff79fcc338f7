"""Credentials, retries and AWS errors as the user sees them: one line on stderr, never a traceback or a secret."""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from replication.cli.main import main
from tests.cli.conftest import DEST_A, SOURCE

IDENTITY = (
    '<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><GetCallerIdentityResult>'
    f"<Arn>arn:aws:iam::{SOURCE}:user/ci</Arn><UserId>AIDEXAMPLE</UserId><Account>{SOURCE}</Account>"
    "</GetCallerIdentityResult><ResponseMetadata><RequestId>1</RequestId></ResponseMetadata></GetCallerIdentityResponse>"
)
CONFIGURED = {"registryId": SOURCE, "replicationConfiguration": {"rules": [{"destinations": [{"region": "us-west-2", "registryId": DEST_A}]}]}}
THROTTLED = (400, {"__type": "ThrottlingException", "message": "Rate exceeded"})
DROPPED = (0, "")
"""No answer: the connection closes once the request is read (a load balancer's idle timeout, a network cut)."""
TOO_MANY = (429, {"__type": "ThrottleException", "message": "Too Many Requests"})
"""ECR throttles with either answer (ECR user guide, "Troubleshooting Amazon ECR error messages": "HTTP 429: Too Many
Requests or ThrottleException"; the API reference's common errors: 400 ThrottlingException); botocore's ECR model
declares neither, and its retries tell throttling by code or by 429."""
THROTTLING = [pytest.param(THROTTLED, id="400-ThrottlingException"), pytest.param(TOO_MANY, id="429-ThrottleException")]
SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
ACCESS_KEY = "AKIAIOSFODNN7EXAMPLE"
TOKEN = "IQoJb3JpZ2luX2VjEJr" + "x9Qz" * 60


class ScriptedAws:
    """A local HTTP endpoint answering ECR JSON calls from a script per operation (STS: who-am-i only)."""

    def __init__(self) -> None:
        """Nothing scripted, nothing received."""
        self.script: dict[str, list[tuple[int, dict[str, object] | str]]] = {}
        """Per operation, the answers: a JSON error or result, a page of text/html (as a failing proxy sends), or
        :data:`DROPPED` (status 0): the connection closed without an answer."""
        self.received: list[str] = []
        self.echo_credentials = False
        """Whether error messages quote the credentials the request carried, as a careless endpoint might."""
        self.last_message = ""

    def handler(self) -> type[BaseHTTPRequestHandler]:
        """The request handler class bound to this script."""
        scripted = self

        class Handler(BaseHTTPRequestHandler):
            """Answers STS GetCallerIdentity, and ECR calls from the script (the last entry repeats)."""

            def do_POST(self) -> None:  # noqa: N802 (http.server's name)
                """Serve one request."""
                self.rfile.read(int(self.headers.get("Content-Length", 0)))
                target = self.headers.get("X-Amz-Target")
                if target is None:
                    self.reply(200, IDENTITY, "text/xml")
                    return
                operation = target.rsplit(".", 1)[1]
                scripted.received.append(operation)
                status, body = scripted.script[operation].pop(0) if len(scripted.script[operation]) > 1 else scripted.script[operation][0]
                if status == 0:
                    self.close_connection = True
                    return
                if isinstance(body, str):
                    self.reply(status, body, "text/html")
                    return
                if scripted.echo_credentials and status >= 400:
                    sent = f"{self.headers.get('Authorization')} token {self.headers.get('X-Amz-Security-Token')}"
                    body = {**body, "message": f"{body['message']}: request signed with {sent}"}
                scripted.last_message = str(body.get("message", ""))
                self.reply(status, json.dumps(body), "application/x-amz-json-1.1")

            def reply(self, status: int, body: str, content_type: str) -> None:
                """Send ``body`` with ``status``."""
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body.encode())

            def log_message(self, *_: object) -> None:  # keep the test output free of access logs
                pass

        return Handler


@pytest.fixture
def scripted(monkeypatch: pytest.MonkeyPatch) -> Iterator[ScriptedAws]:
    """A scripted AWS endpoint that the CLI's default credential chain and endpoint settings point at."""
    fake = ScriptedAws()
    server = ThreadingHTTPServer(("127.0.0.1", 0), fake.handler())
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    monkeypatch.setenv("AWS_ENDPOINT_URL", f"http://127.0.0.1:{server.server_port}")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", ACCESS_KEY)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", SECRET)
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_CONFIG_FILE", "/nonexistent")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent")
    yield fake
    server.shutdown()
    thread.join()


@pytest.mark.parametrize("throttled", THROTTLING)
@pytest.mark.parametrize("mode", ["standard", "adaptive"])
def test_throttling_is_retried_and_said(scripted: ScriptedAws, mode: str, throttled: tuple[int, dict[str, object]],
                                        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    """Throttling over real HTTP, either way ECR answers it, is retried as AWS_RETRY_MODE says, and each retry is a
    line on stderr."""
    monkeypatch.setenv("AWS_RETRY_MODE", mode)
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "3")
    scripted.script = {"DescribeRegistry": [throttled, (200, CONFIGURED)], "DescribeRepositories": [(200, {"repositories": []})]}
    assert main(["status"]) == 3  # the retried call succeeded; with no image to ask about there is no verdict
    assert scripted.received == ["DescribeRegistry", "DescribeRegistry", "DescribeRepositories"]
    err = capsys.readouterr().err
    assert f"ecr:DescribeRegistry throttled ({throttled[1]['__type']}), retrying (1/2)" in err
    assert "nothing to check, so no verdict" in err


@pytest.mark.parametrize("throttled", THROTTLING)
def test_throttling_beyond_max_attempts_is_one_line(scripted: ScriptedAws, throttled: tuple[int, dict[str, object]],
                                                    monkeypatch: pytest.MonkeyPatch,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    """AWS_MAX_ATTEMPTS bounds the attempts; the give-up is one line naming account and action, and says the call
    was throttled (not that it failed)."""
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "2")
    scripted.script = {"DescribeRegistry": [throttled]}
    assert main(["status"]) == 2
    assert scripted.received == ["DescribeRegistry", "DescribeRegistry"]
    assert capsys.readouterr().err.splitlines()[-1] == (
        f"ecr-replication status: error: ecr:DescribeRegistry in account {SOURCE} is still throttled after retries "
        f"({throttled[1]['__type']}); retry later or raise AWS_MAX_ATTEMPTS")


ERROR_PAGE = ("<!DOCTYPE html>\n<html>\n<head><title>500 Internal Server Error</title></head>\n<body>\n"
              "<h1>Internal Server Error</h1>\n" + "<p>The server encountered an internal error.</p>\n" * 40 +
              "</body>\n</html>\n")
"""What a load balancer or proxy in front of an endpoint sends for a 500: a page, not AWS's JSON error."""


def test_a_server_error_page_is_one_short_line(scripted: ScriptedAws, monkeypatch: pytest.MonkeyPatch,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    """botocore retries the 500 (standard mode), then passes the page on as the error message: the user sees the
    HTTP status in one line, not the page."""
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "2")
    scripted.script = {"DescribeRegistry": [(500, ERROR_PAGE)]}
    assert main(["status"]) == 2
    assert scripted.received == ["DescribeRegistry", "DescribeRegistry"]
    assert capsys.readouterr().err == (
        f"ecr-replication status: error: ecr:DescribeRegistry failed in account {SOURCE}: HTTP 500 Internal Server "
        "Error, answered with an HTML page instead of an AWS error\n")


def test_a_dropped_connection_names_the_action_and_the_account(scripted: ScriptedAws, monkeypatch: pytest.MonkeyPatch,
                                                               capsys: pytest.CaptureFixture[str]) -> None:
    """A connection closed without an answer, once botocore's retries ran out, is one line naming the ECR action
    and the account whose call it was (it named only "ecr")."""
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "2")
    scripted.script = {"DescribeRegistry": [DROPPED]}
    assert main(["status"]) == 2
    assert scripted.received == ["DescribeRegistry", "DescribeRegistry"]
    endpoint = os.environ["AWS_ENDPOINT_URL"]
    assert capsys.readouterr().err == (
        f"ecr-replication status: error: ecr:DescribeRegistry failed in account {SOURCE}: Connection was closed "
        f'before we received a valid response from endpoint URL: "{endpoint}/".\n')


def test_a_long_aws_message_is_cut(scripted: ScriptedAws, capsys: pytest.CaptureFixture[str]) -> None:
    scripted.script = {"DescribeRegistry": [(400, {"__type": "ValidationException", "message": "bad " * 200})]}
    assert main(["status"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.rstrip().endswith("…") and len(err) < 450


@pytest.mark.parametrize("command", [["status"], ["backfill", "--dry-run"]])
def test_access_denied_names_account_and_action(scripted: ScriptedAws, command: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    """AccessDenied names the account and the IAM action, folded to one line."""
    denied = f"User: arn:aws:iam::{SOURCE}:user/ci is not authorized\nto perform: ecr:DescribeRegistry"
    scripted.script = {"DescribeRegistry": [(400, {"__type": "AccessDeniedException", "message": denied})]}
    assert main(command) == 2
    assert capsys.readouterr().err == (
        f"ecr-replication {command[0]}: error: access denied: account {SOURCE} is not allowed to call "
        f"ecr:DescribeRegistry (User: arn:aws:iam::{SOURCE}:user/ci is not authorized to perform: ecr:DescribeRegistry)\n")


def test_credentials_an_endpoint_echoes_are_not_printed(scripted: ScriptedAws, monkeypatch: pytest.MonkeyPatch,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    """An error message quoting the request's access key id and session token (as the scripted endpoint does
    with whatever credentials it was sent) reaches the user with both redacted."""
    monkeypatch.setenv("AWS_SESSION_TOKEN", TOKEN)
    scripted.echo_credentials = True
    scripted.script = {"DescribeRegistry": [(400, {"__type": "UnrecognizedClientException", "message": "bad"})]}
    assert main(["status"]) == 2
    captured = capsys.readouterr()
    assert ACCESS_KEY in scripted.last_message and TOKEN in scripted.last_message
    assert "[redacted]" in captured.err
    assert ACCESS_KEY not in captured.err + captured.out and TOKEN not in captured.err + captured.out
    assert SECRET not in captured.err + captured.out


def test_missing_credentials(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    """No credential anywhere in the chain is one line telling where credentials come from."""
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE",
                 "AWS_CONTAINER_CREDENTIALS_FULL_URI", "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", "/nonexistent")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent")
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    assert main(["status", "--region", "us-east-1"]) == 2
    assert capsys.readouterr().err == (
        "ecr-replication status: error: no AWS credentials found: pass --profile or --role-arn, "
        "or set AWS_PROFILE / AWS_ACCESS_KEY_ID\n")


def test_unknown_profile(scripted: ScriptedAws, capsys: pytest.CaptureFixture[str]) -> None:
    """An unknown --profile is one line, not a botocore traceback."""
    assert main(["status", "--profile", "nope"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "nope" in err and "Traceback" not in err


def test_every_line_any_command_prints_is_redacted(capsys: pytest.CaptureFixture[str]) -> None:
    """The CLI prints through a redacting stream, so a command that forgets still can't print credentials; hex
    digests and names are left alone."""
    import sys

    from replication.cli.output import RedactingStream

    digest = "sha256:" + "ab12" * 16
    line = f"{ACCESS_KEY} {SECRET} {TOKEN} {digest} prod/api 123456789012"
    RedactingStream(sys.stdout).write(line)
    printed = capsys.readouterr().out
    assert printed == f"[redacted] [redacted] [redacted] {digest} prod/api 123456789012"
