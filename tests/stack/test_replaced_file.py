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
    assert replaced.unmatched == ("ns:destinations[1]: profile: its accountId is not an account id, so they can't be "
                                  "matched to an account",)
    values, kept, gone = with_credentials(VALUES, replaced.credentials, "ns")
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
