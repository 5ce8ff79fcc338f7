"""Encrypted config values of the example stack (issue 12, 3).

``pulumi config set --secret --path 'ecr-replication:source.roleArn' …`` writes ``{secure: v1:…}`` inside the
object. In ``pulumi up`` the CLI decrypts it and marks the whole key ``ecr-replication:source`` secret (the
tests that stand for the CLI pass plaintext and that key in ``secret_keys``); offline (``plan``) nothing can be
decrypted.
"""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

from replication import ReplicationConfigError
from replication.errors import SECRET
from replication.preview.runner import is_secret, provider_setting, reveal, run_program_file
from replication.preview.stack_files import load_stack
from tests.stack.test_config_errors import run_stack_file
from tests.stack.test_example_stack import ROOT

CIPHERTEXT = "v1:c2VjcmV0LW5vbmNl:Zm9vYmFyY2lwaGVydGV4dA=="

NESTED_SECRETS = f"""
    config:
      pulumi:disable-default-providers: [aws]
      ecr-replication:source:
        accountId: "111111111111"
        region: us-east-1
        profile:
          secure: {CIPHERTEXT}
      ecr-replication:destinations:
        - accountId: "222222222222"
          regions: [us-west-2]
        - accountId: "333333333333"
          regions: [eu-west-1]
          roleArn:
            secure: {CIPHERTEXT}
    """


def test_the_offline_loader_drops_ciphertext_and_names_each_secret(tmp_path: Path) -> None:
    run_stack_file(tmp_path, NESTED_SECRETS)  # writes the project
    files = load_stack(tmp_path, "test")
    assert CIPHERTEXT not in json.dumps(files.config)
    assert json.loads(files.config["ecr-replication:source"])["profile"] == SECRET
    assert files.secret_keys == [
        "ecr-replication:source",
        "ecr-replication:destinations",
        "ecr-replication:source.profile",
        "ecr-replication:destinations[1].roleArn",
    ]


def test_nested_secrets_reach_the_providers_as_secrets(tmp_path: Path) -> None:
    run = run_stack_file(tmp_path, NESTED_SECRETS)
    providers = {p.name: p.inputs for p in run.of_type("pulumi:providers:aws")}
    assert is_secret(providers["source"]["profile"])
    assert is_secret(providers["destination-333333333333"]["assumeRoles"])
    # Only what was encrypted is secret: the account ids stay readable, so the plan can show them.
    assert not is_secret(providers["source"]["allowedAccountIds"])
    assert provider_setting(providers["destination-333333333333"], "allowedAccountIds") == ["333333333333"]
    assert not is_secret(providers["destination-222222222222"].get("assumeRoles"))


def test_an_encrypted_account_id_stops_the_offline_plan(tmp_path: Path) -> None:
    """Offline the id can't be known, and it decides which providers, policies and names exist."""
    stack = NESTED_SECRETS.replace('accountId: "222222222222"', f"accountId: {{secure: {CIPHERTEXT}}}")
    with pytest.raises(ReplicationConfigError) as raised:
        run_stack_file(tmp_path, stack)
    message = str(raised.value)
    assert message.startswith("ecr-replication:destinations[0].accountId: is encrypted, and the offline plan can't")
    assert "pulumi preview" in message
    assert CIPHERTEXT not in message and "(got" not in message


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        (
            "region: us-east-1",
            f"region: {{secure: {CIPHERTEXT}}}",
            "ecr-replication:source.region: can't be a secret: only accountId, profile and roleArn may be",
        ),
        (
            "ecr-replication:destinations:",
            f"ecr-replication:repositoryPrefixes:\n        secure: {CIPHERTEXT}\n      ecr-replication:destinations:",
            "ecr-replication:repositoryPrefixes: is encrypted as a whole",
        ),
    ],
)
def test_a_secret_where_none_may_be_is_an_error(tmp_path: Path, old: str, new: str, message: str) -> None:
    with pytest.raises(ReplicationConfigError) as raised:
        run_stack_file(tmp_path, NESTED_SECRETS.replace(old, new, 1))
    assert str(raised.value).startswith(message)
    assert CIPHERTEXT not in str(raised.value)


def run_as_the_cli(source: dict[str, object], secret_keys: list[str], **others: object) -> object:
    """The dev program as ``pulumi up`` runs it: values decrypted, keys holding a secret marked secret."""
    files = load_stack(ROOT, "dev")
    config = {**files.config, "ecr-replication:source": json.dumps(source)}
    config.update({f"ecr-replication:{k}": json.dumps(v) for k, v in others.items()})
    return run_program_file(files.program, files.project, files.stack, config, secret_keys)


SOURCE = {"accountId": "111111111111", "region": "us-east-1", "profile": "ecr-source"}


def test_under_the_cli_every_secret_capable_value_of_a_secret_key_is_secret() -> None:
    """The CLI can't tell the program which value inside ``source`` was encrypted: all three are kept secret."""
    run = run_as_the_cli(SOURCE, ["ecr-replication:source"])
    (source,) = [p.inputs for p in run.of_type("pulumi:providers:aws") if p.name == "source"]  # type: ignore[attr-defined]
    assert is_secret(source["profile"]) and is_secret(source["allowedAccountIds"])
    assert reveal(source["profile"]) == "ecr-source"
    assert provider_setting(source, "allowedAccountIds") == ["111111111111"]
    exports = run.exports  # type: ignore[attr-defined]
    assert is_secret(exports["sourceRegistryId"]) and is_secret(exports["destinationRegistries"])
    assert reveal(exports["sourceRegistryId"]) == "111111111111"
    assert not is_secret(exports["sourceRegion"])


def test_under_the_cli_a_secret_value_is_never_printed_in_an_error() -> None:
    with pytest.raises(ReplicationConfigError) as raised:
        run_as_the_cli({**SOURCE, "roleArn": "arn:aws:iam::999999999999:role/covert"}, ["ecr-replication:source"])
    assert str(raised.value) == (
        "ecr-replication:source.roleArn: must be a role ARN in the account of accountId (got [secret])"
    )


def test_under_the_cli_a_short_account_id_that_is_a_secret_is_not_shown() -> None:
    with pytest.raises(ReplicationConfigError) as raised:
        run_as_the_cli({"accountId": 11111111111, "region": "us-east-1"}, ["ecr-replication:source"])
    assert str(raised.value) == (
        "ecr-replication:source.accountId: is a number of 11 digits: an AWS account id is 12 digits, written as text: "
        "quote it, or set it with pulumi config set --path --type string")


def test_under_the_cli_the_components_errors_hide_secret_values_too() -> None:
    with pytest.raises(ReplicationConfigError) as raised:
        run_as_the_cli({**SOURCE, "region": "Covert Region"}, ["ecr-replication:source"])
    assert str(raised.value).startswith("ecr-replication:source.region: a region is")
    assert "Covert" not in str(raised.value) and str(raised.value).endswith("(got [secret])")


def test_under_the_cli_a_secret_key_that_may_hold_no_secret_is_an_error() -> None:
    with pytest.raises(ReplicationConfigError) as raised:
        run_as_the_cli(SOURCE, ["ecr-replication:repositorySettings"])
    assert str(raised.value) == (
        "ecr-replication:repositorySettings: is a secret, but only accountId, profile and roleArn may be"
    )


@pytest.mark.parametrize(
    ("first", "second"),
    [
        (f"{{secure: {CIPHERTEXT}}}", f"{{secure: {CIPHERTEXT}}}"),
        ("arn:aws:iam::333333333333:role/deployer", f"{{secure: {CIPHERTEXT}}}"),
    ],
)
def test_encrypted_credentials_of_one_account_that_cant_be_compared_offline_are_an_error(
        tmp_path: Path, first: str, second: str) -> None:
    """Two entries of one account, a roleArn encrypted in either: equal ciphertext says nothing (each encryption
    has its own nonce) and the offline plan can't decrypt, so it can't know they name one role, as one provider
    needs (the plaintext case is the "another roleArn" error)."""
    stack = NESTED_SECRETS.rstrip() + "\n" + textwrap.indent(textwrap.dedent(f"""\
        - accountId: "333333333333"
          regions: [us-west-2]
          roleArn: {second}
        """), "        ")
    stack = stack.replace(f"roleArn:\n            secure: {CIPHERTEXT}", f"roleArn: {first}")
    with pytest.raises(ReplicationConfigError) as raised:
        run_stack_file(tmp_path, stack)
    assert str(raised.value) == (
        "ecr-replication:destinations[2]: same account as ecr-replication:destinations[1], and their roleArn can't be "
        "compared offline (encrypted): one aws provider serves each account, so they must be equal; give them in one "
        "entry only")


def test_an_encrypted_role_in_one_entry_of_an_account_plans(tmp_path: Path) -> None:
    stack = NESTED_SECRETS.rstrip() + "\n" + textwrap.indent(textwrap.dedent("""\
        - accountId: "333333333333"
          regions: [us-west-2]
        """), "        ")
    run = run_stack_file(tmp_path, stack)
    assert is_secret({p.name: p.inputs for p in run.of_type("pulumi:providers:aws")}["destination-333333333333"]["assumeRoles"])
