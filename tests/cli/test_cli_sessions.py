"""How the live commands reach accounts, against moto's STS and ECR on 127.0.0.1.

moto stands for AWS here the way AWS behaves: ``AssumeRole`` issues new temporary credentials (with an
``Expiration``) whose calls act in the role's account (STS API reference, AssumeRole), and
``GetCallerIdentity`` names the account of whatever credentials sign the call.
"""

from __future__ import annotations

import datetime
import functools
import json
import threading
from pathlib import Path
from typing import Any

import boto3
import pytest
import time_machine

from replication.cli.main import main
from replication.cli.errors import CliError
from replication.cli.sessions import Access, AccountSession, Sessions, Unreachable, accounts_from_options
from replication.cli.side_by_side import in_order
from replication.ecr_semantics import Registry as Reg
from tests.cli.conftest import DEST_A, DEST_B, REGION, SOURCE, Registry
from tests.cli.fakes import CallCounter, HookedSession

ROLE_A = f"arn:aws:iam::{DEST_A}:role/reader"


def sessions(accounts: dict[str, Access] | None = None, source: Access = Access()) -> Sessions:
    """The sessions of one run: the default credential chain for the source, ``accounts`` for the others."""
    return Sessions(boto3.Session, source, REGION, accounts)


def test_the_source_session_is_verified_with_sts(aws_env: str) -> None:
    source = sessions().source()
    assert (source.account_id, source.region) == (SOURCE, REGION)


def test_another_account_without_credentials_is_unreachable_not_the_source(aws_env: str) -> None:
    """The source credentials never stand in for another account (they would read the source's registry)."""
    reached = sessions().account(DEST_A, "us-west-2")
    assert isinstance(reached, Unreachable)
    assert reached.reason == f"no credentials were given for account {DEST_A}"
    assert reached.hint == f"pass --destination-role-arn {DEST_A}=ROLE_ARN or --destination-profile {DEST_A}=PROFILE"


def test_a_role_in_the_wrong_account_is_an_error(aws_env: str) -> None:
    """Credentials given for an account that reach another can't be used: an error, not an unreachable account."""
    wrong = Access(role_arn=f"arn:aws:iam::{DEST_B}:role/reader", origin=f"--destination-role-arn {DEST_A}=...")
    with pytest.raises(CliError) as raised:
        sessions({DEST_A: wrong}).account(DEST_A, "us-west-2")
    assert str(raised.value) == (
        f"account {DEST_A}: role arn:aws:iam::{DEST_B}:role/reader (given by --destination-role-arn {DEST_A}=..., "
        f"assumed from the default credential chain) can't be used: it reaches account {DEST_B}, not {DEST_A}")


def test_a_role_in_the_account_is_verified(aws_env: str) -> None:
    reached = sessions({DEST_A: Access(role_arn=ROLE_A)}).account(DEST_A, "us-west-2")
    assert isinstance(reached, AccountSession) and reached.account_id == DEST_A
    assert reached.client("sts").get_caller_identity()["Account"] == DEST_A


@pytest.fixture
def profile_only(aws_env: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """Credentials only in a named profile ``ops``: the default chain has none."""
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    credentials = tmp_path / "credentials"
    credentials.write_text("[ops]\naws_access_key_id = AKIAIOSFODNN7OPSKEY1\naws_secret_access_key = ops-secret\n")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(credentials))
    return "ops"


def test_a_destination_role_is_assumed_from_the_profile(profile_only: str) -> None:
    """--profile with --destination-role-arn: the role is assumed with the profile's credentials (the default
    chain has none here, so assuming it from the chain would fail)."""
    accounts = accounts_from_options([], [f"{DEST_A}={ROLE_A}"], profile_only)
    assert accounts == {DEST_A: Access(profile_only, ROLE_A)}
    reached = Sessions(boto3.Session, Access(profile_only), REGION, accounts).account(DEST_A, "us-west-2")
    assert isinstance(reached, AccountSession) and reached.account_id == DEST_A


def test_check_assumes_destination_roles_from_the_profile(profile_only: str, registry: Registry, tmp_path: Path,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    expected = tmp_path / "expected.json"
    expected.write_text('{"replicationConfiguration": {"rules": [{"destinations": '
                        f'[{{"region": "us-west-2", "registryId": "{DEST_A}"}}]}}]}}}}')
    code = main(["check", "--expected", str(expected), "--profile", profile_only, "--destination-role-arn",
                 f"{DEST_A}={ROLE_A}", "--json"])
    report = json.loads(capsys.readouterr().out)
    assert report["notChecked"] == [] and code == 1
    assert [(f["where"], f["problem"]) for f in report["findings"]][-1] == (
        f"registry {DEST_A}/us-west-2", f"has no registry policy, so replication from {SOURCE} is denied")


def test_assumed_role_credentials_are_refreshed_when_they_expire(aws_env: str) -> None:
    """A session that outlives its first role credentials keeps working: botocore assumes the role again."""
    reached = sessions({DEST_A: Access(role_arn=ROLE_A)}).account(DEST_A, "us-west-2")
    assert isinstance(reached, AccountSession)
    first = reached.session.get_credentials().get_frozen_credentials().access_key
    with time_machine.travel(datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(hours=13)):
        assert reached.client("ecr").describe_registry()["registryId"] == DEST_A
        assert reached.session.get_credentials().get_frozen_credentials().access_key != first


def test_aws_region_comes_before_aws_default_region(aws_env: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_REGION", "eu-central-1")
    assert Sessions(boto3.Session, Access(), None).source().region == "eu-central-1"
    monkeypatch.delenv("AWS_REGION")
    assert Sessions(boto3.Session, Access(), None).source().region == REGION


def test_a_misspelled_source_region_is_refused_before_any_call(aws_env: str) -> None:
    with pytest.raises(CliError, match=r"source region 'eu-wset-1': botocore .* did you mean 'eu-west-1'"):
        Sessions(boto3.Session, Access(), "eu-wset-1").source()


ROLE_B = f"arn:aws:iam::{DEST_B}:role/reader"


def test_every_session_of_a_run_shares_one_botocore_loader(aws_env: str) -> None:
    """botocore's data files (service models, endpoint rules) are parsed once per run: the source's session and
    every account's, the credentials roles are assumed from included, share one loader."""
    run = sessions({DEST_A: Access(role_arn=ROLE_A), DEST_B: Access(role_arn=ROLE_B)})
    opened = [run.source(), *run.accounts([Reg(DEST_A, "us-west-2"), Reg(DEST_B, "eu-west-1")]).values()]
    assert all(isinstance(s, AccountSession) for s in opened)
    loaders = {id(s.session._session.get_component("data_loader")) for s in opened if isinstance(s, AccountSession)}
    assert len(loaders) == 1


class Gate:
    """A hook holding every ``AssumeRole`` call until ``parties`` of them are under way at once: opening accounts
    one after another never gets there (the barrier breaks after ``timeout`` seconds and the call fails)."""

    def __init__(self, parties: int, timeout: float = 10.0) -> None:
        self.barrier = threading.Barrier(parties, timeout=timeout)
        self.assumed: list[str] = []

    def hook(self, service: str, client: Any) -> Any:
        if service == "sts":
            client.meta.events.register("before-call.sts.AssumeRole", self._wait)
        return client

    def _wait(self, params: dict[str, Any], **_: Any) -> None:
        self.assumed.append(params["body"]["RoleArn"])
        self.barrier.wait()


def test_accounts_are_opened_side_by_side_in_a_stable_order(aws_env: str) -> None:
    """The three roles are assumed at the same time (the gate lets none through before all three are asked), each
    once, and the sessions come back by account id whatever order the calls end in."""
    roles = {DEST_B: ROLE_B, DEST_A: ROLE_A, "444444444444": "arn:aws:iam::444444444444:role/reader"}
    gate = Gate(3)
    run = Sessions(lambda **kwargs: HookedSession([gate.hook], **kwargs), Access(), REGION,
                   {account: Access(role_arn=role) for account, role in roles.items()})
    opened = run.accounts([Reg(account, region) for account in roles for region in ("us-west-2", "eu-west-1")])
    assert list(opened) == sorted(roles)
    assert [s.account_id for s in opened.values() if isinstance(s, AccountSession)] == sorted(roles)
    assert sorted(gate.assumed) == sorted(roles.values())


def test_an_account_asked_for_by_several_threads_is_opened_once(aws_env: str) -> None:
    counter = CallCounter()
    run = Sessions(lambda **kwargs: HookedSession([counter.hook], **kwargs), Access(), REGION,
                   {DEST_A: Access(role_arn=ROLE_A)})
    found = in_order([functools.partial(run.account, DEST_A, "us-west-2") for _ in range(8)])
    assert all(session is found[0] for session in found)
    assert counter.calls == {"GetCallerIdentity": 1, "AssumeRole": 1}  # the source's identity, the role once


def test_roles_are_assumed_from_one_set_of_credentials_by_one_sts_client(aws_env: str) -> None:
    """Roles assumed from the same credentials in the same region share those credentials' STS client; each account
    gets its own clients, one per service and region."""
    made: list[tuple[str, str]] = []

    def recorded(service: str, client: Any) -> Any:
        made.append((service, client.meta.region_name))
        return client

    run = Sessions(lambda **kwargs: HookedSession([recorded], **kwargs), Access(), REGION,
                   {DEST_A: Access(role_arn=ROLE_A), DEST_B: Access(role_arn=ROLE_B)})
    opened = run.accounts([Reg(DEST_A, "us-west-2"), Reg(DEST_B, "us-west-2")])
    for session in opened.values():
        assert isinstance(session, AccountSession)
        assert session.client("ecr") is session.client("ecr", "us-west-2")
    assert sorted(made) == sorted([("sts", REGION),  # the source's identity
                                   ("sts", "us-west-2"),  # AssumeRole, for both roles
                                   ("ecr", "us-west-2"), ("ecr", "us-west-2")])  # one per account
