"""What `import --force` keeps of the stack file it replaces (``replication.stack.replaced_file``), beyond the
end-to-end case in tests/cli/test_cli_import.py."""

from __future__ import annotations

from pathlib import Path

import pytest

from replication.preview.stack_files import StackFileError
from replication.stack.replaced_file import read_replaced, with_credentials
from replication.stack.writer import stack_file_text

VALUES = {"source": {"accountId": "111111111111", "region": "us-east-1"},
          "destinations": [{"accountId": "222222222222", "regions": ["us-west-2"]},
                           {"accountId": "111111111111", "regions": ["eu-west-1"]}]}


def test_account_ids_written_as_numbers_still_match(tmp_path: Path) -> None:
    """`pulumi config set --path` stores a 12-digit id as a number; one that lost a leading zero names no account."""
    path = tmp_path / "Pulumi.s.yaml"
    path.write_text("config:\n"
                    "  ns:source: {accountId: 111111111111, region: us-east-1, profile: src}\n"
                    "  ns:destinations:\n"
                    "    - {accountId: 222222222222, regions: [us-west-2], roleArn: arn:aws:iam::222222222222:role/d}\n"
                    "    - {accountId: 22222222222, regions: [eu-west-1], profile: lost}\n")
    replaced = read_replaced(path, "ns")
    assert replaced is not None
    assert replaced.unmatched == ("ns:destinations[1]: profile: its accountId is not an account id and no plaintext "
                                  "roleArn names its account, so they can't be matched to an account",)
    values, kept, gone = with_credentials(VALUES, replaced, "ns")
    assert values["source"]["profile"] == "src"
    assert values["destinations"][0]["roleArn"] == "arn:aws:iam::222222222222:role/d"
    assert "profile" not in values["destinations"][1]  # the source account's provider reads the source entry
    assert kept == ["account 111111111111: profile, from ns:source, now in ns:source",
                    "account 222222222222: roleArn, from ns:destinations[0], now in ns:destinations[0]"]
    assert gone == [] and "profile" not in VALUES["source"]  # the import's values are not changed in place


def test_an_unreadable_file_keeps_nothing_and_says_so(tmp_path: Path) -> None:
    path = tmp_path / "Pulumi.s.yaml"
    path.write_text("config: [unclosed\n")
    with pytest.raises(StackFileError, match="can't be read to keep what it holds"):
        read_replaced(path, "ns")
    assert read_replaced(tmp_path / "Pulumi.none.yaml", "ns") is None


def test_the_writer_never_writes_kept_keys_into_the_program_s_namespace() -> None:
    with pytest.raises(ValueError, match="ns:adopt"):
        stack_file_text(VALUES, namespace="ns", other_config={"ns:adopt": False})


SECURE = "{secure: v1:bm9uY2U=:Y2lwaGVydGV4dA==}"
"""An encrypted value as `pulumi config set --secret --path` writes it (never printed)."""


def test_credentials_are_kept_where_the_entry_says_whose_they_are_though_its_account_id_is_encrypted(
        tmp_path: Path) -> None:
    """The issue's item 7: there is one source, and a roleArn names its own account (the program pins the provider
    to accountId and requires the role to be in it); a profile alone names none."""
    path = tmp_path / "Pulumi.s.yaml"
    path.write_text("config:\n"
                    f"  ns:source: {{accountId: {SECURE}, region: us-east-1, profile: src}}\n"
                    "  ns:destinations:\n"
                    f"    - {{accountId: {SECURE}, regions: [us-west-2], roleArn: 'arn:aws:iam::222222222222:role/d'}}\n"
                    f"    - {{accountId: {SECURE}, regions: [eu-west-1], profile: whose}}\n"
                    f"    - {{accountId: {SECURE}, regions: [eu-west-1], roleArn: {SECURE}}}\n"
                    f"    - {{accountId: '222222222222', regions: [eu-west-1], profile: other}}\n")
    replaced = read_replaced(path, "ns")
    assert replaced is not None
    assert replaced.unmatched == (
        "ns:destinations[1]: profile: its accountId is encrypted and no plaintext roleArn names its account, so they "
        "can't be matched to an account",
        "ns:destinations[2]: roleArn: its accountId is encrypted and no plaintext roleArn names its account, so they "
        "can't be matched to an account",
        "ns:destinations[3]: profile: account 222222222222's credentials come from ns:destinations[0]",
    )
    values, kept, gone = with_credentials(VALUES, replaced, "ns")
    assert values["source"] == {**VALUES["source"], "profile": "src"}
    assert values["destinations"][0] == {**VALUES["destinations"][0], "roleArn": "arn:aws:iam::222222222222:role/d"}
    assert kept == [
        "account 111111111111: profile, from ns:source (its accountId is encrypted: the stack's one source), now in "
        "ns:source",
        "account 222222222222: roleArn, from ns:destinations[0] (its accountId is encrypted: the account its roleArn "
        "names), now in ns:destinations[0]",
    ]
    assert gone == []


def test_the_source_entry_s_credentials_give_way_to_those_matched_by_account(tmp_path: Path) -> None:
    """The source account's credentials found by account id win; the encrypted source entry's others are reported,
    not dropped silently."""
    path = tmp_path / "Pulumi.s.yaml"
    path.write_text("config:\n"
                    f"  ns:source: {{accountId: {SECURE}, region: us-east-1, profile: old}}\n"
                    "  ns:destinations:\n"
                    "    - {accountId: '111111111111', regions: [us-west-2], profile: src}\n")
    replaced = read_replaced(path, "ns")
    assert replaced is not None
    values, kept, gone = with_credentials(VALUES, replaced, "ns")
    assert values["source"]["profile"] == "src"
    assert kept == ["account 111111111111: profile, from ns:destinations[0], now in ns:source"]
    assert gone == ["ns:source: profile: account 111111111111's credentials come from ns:destinations[0]"]


def test_the_replaced_file_is_read_as_the_pulumi_cli_reads_it(tmp_path: Path) -> None:
    """An account id the CLI reads as another number (an octal 0 prefix) names no account; a quoted one does."""
    path = tmp_path / "Pulumi.s.yaml"
    path.write_text("config:\n"
                    "  ns:source: {accountId: 011111111111, region: us-east-1, profile: octal}\n"
                    "  ns:destinations:\n"
                    "    - {accountId: '022222222222', regions: [us-west-2], profile: quoted}\n"
                    "  other:mode: 0o17\n")
    replaced = read_replaced(path, "ns")
    assert replaced is not None
    assert set(replaced.credentials) == {"022222222222"}
    assert replaced.source is not None and replaced.source.matched_by == (
        "its accountId is not an account id: the stack's one source")
    assert replaced.config == {"other:mode": 15}


def test_a_spoke_account_keeps_its_credentials_in_its_first_spoke_entry(tmp_path: Path) -> None:
    """An account with spokes only reads its credentials from its first pullThroughDestinations entry (the example
    program's provider `spoke-<account>`): they are kept there, and an account without them is listed to add."""
    from replication.stack.replaced_file import accounts_without_credentials

    path = tmp_path / "Pulumi.s.yaml"
    path.write_text("config:\n"
                    "  ns:source: {accountId: '111111111111', region: us-east-1}\n"
                    "  ns:pullThroughDestinations:\n"
                    "    - {accountId: '444444444444', regions: [ap-south-1], roleArn: arn:aws:iam::444444444444:role/d}\n")
    replaced = read_replaced(path, "ns")
    assert replaced is not None
    spokes = {**VALUES, "pullThroughDestinations": [{"accountId": "444444444444", "regions": ["ap-south-1"]},
                                                     {"accountId": "555555555555", "regions": ["ap-south-1"]}]}
    values, kept, gone = with_credentials(spokes, replaced, "ns")
    assert values["pullThroughDestinations"][0]["roleArn"] == "arn:aws:iam::444444444444:role/d"
    assert kept == ["account 444444444444: roleArn, from ns:pullThroughDestinations[0], now in "
                    "ns:pullThroughDestinations[0]"]
    assert accounts_without_credentials(values, "ns") == [
        "ns:source: profile or roleArn for account 111111111111",
        "ns:destinations[0]: profile or roleArn for account 222222222222",
        "ns:pullThroughDestinations[1]: profile or roleArn for account 555555555555"]
