"""`ecr-replication plan`: the offline plan of a stack, with the guardrails, as a user runs it."""

from __future__ import annotations

import json
import re
import textwrap
from pathlib import Path

import pytest

from replication.cli.main import main

ROOT = Path(__file__).resolve().parents[2]


def plan(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(["plan", *argv])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def write_project(folder: Path, program: str, stack_config: str, stack: str = "test") -> Path:
    """A small Pulumi project in ``folder`` with one stack."""
    (folder / "Pulumi.yaml").write_text("name: scratch\nruntime: python\n")
    (folder / f"Pulumi.{stack}.yaml").write_text(textwrap.dedent(stack_config))
    (folder / "__main__.py").write_text(textwrap.dedent(program))
    return folder


def test_dev_stack_json_plan_field_by_field(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)  # run from another folder: --cwd names the project
    code, out, err = plan(capsys, "--json", "--cwd", str(ROOT))
    assert code == 0, err
    report = json.loads(out)
    assert (report["project"], report["stack"]) == ("ecr-replication", "dev")
    assert "not a diff against live state" in report["note"]
    assert (report["sourceRegistryId"], report["sourceRegion"]) == ("111111111111", "us-east-1")
    rules = report["replicationConfiguration"]["rules"]
    assert rules[0]["destinations"] == [
        {"region": "us-west-2", "registryId": "222222222222"},
        {"region": "eu-west-1", "registryId": "222222222222"},
        {"region": "us-west-2", "registryId": "111111111111"},
    ]
    assert [(r["accountId"], r["region"]) for r in report["registries"]] == [
        ("111111111111", "us-east-1"),
        ("111111111111", "us-west-2"),
        ("111111111111", "global"),
        ("222222222222", "eu-west-1"),
        ("222222222222", "us-west-2"),
        ("222222222222", "global"),
        ("444444444444", "ap-south-1"),
        ("444444444444", "ap-southeast-1"),
        ("444444444444", "global"),
    ]
    by_registry = {(r["accountId"], r["region"]): r["resources"] for r in report["registries"]}
    (policy,) = [r for r in by_registry[("222222222222", "us-west-2")] if r["type"].endswith("RegistryPolicy")]
    assert policy["provider"] == "destination-222222222222"
    replication, spoke_grant = json.loads(policy["inputs"]["policy"])["Statement"]
    assert replication["Action"] == ["ecr:CreateRepository", "ecr:ReplicateImage"]
    assert spoke_grant["Principal"] == {"AWS": "arn:aws:iam::444444444444:root"}
    assert {p["name"]: (p["accountId"], p["region"]) for p in report["providers"]} == {
        "source": ("111111111111", "us-east-1"),
        "destination-222222222222": ("222222222222", "us-west-2"),
        "spoke-444444444444": ("444444444444", "ap-south-1"),
    }
    role = "arn:aws:iam::444444444444:role/images-pull-through-role-444444444444-<random suffix>"
    assert report["pullThroughSpokes"] == [
        {"accountId": "444444444444", "region": region, "upstream": "222222222222/us-west-2",
         "prefixes": ["prod", "shared"],
         "rules": [{"ecrRepositoryPrefix": prefix, "upstreamRegistryUrl": "222222222222.dkr.ecr.us-west-2.amazonaws.com",
                    "upstreamRepositoryPrefix": prefix, "customRoleArn": role} for prefix in ("prod", "shared")]}
        for region in ("ap-south-1", "ap-southeast-1")]
    assert report["warnings"] == []
    # The dev stack: 1 replication configuration, 2 registry policies (the cross-account registries), 3
    # scanning configurations and 6 creation templates (2 prefixes in 3 destination registries), 2 template
    # roles with their 2 policies (one per destination account); the spoke account's 2 registries with 2
    # pull-through cache rules, 2 templates and a scanning configuration each, its template role and the role ECR
    # assumes, with their policies.
    assert report["summary"] == {"resources": 30, "accounts": 3, "registries": 6, "pullThroughSpokes": 2,
                                 "mandatory": 0, "advisory": 10}
    # The advisories: each of the 6 destination templates and the spoke's 4 keeps the default AES256 encryption (no
    # KMS key in the dev stack); the spoke's IMMUTABLE_WITH_EXCLUSION tags (latest excluded) are what the pack asks.
    assert {(d["level"], d["policy"], d["urn"].rsplit("::", 1)[1]) for d in report["diagnostics"]} == {
        ("advisory", "ecr-replicated-repositories-hardened", f"images-template-{prefix}-{registry}")
        for prefix in ("prod", "shared")
        for registry in ("111111111111-us-west-2", "222222222222-us-west-2", "222222222222-eu-west-1",
                         "444444444444-ap-south-1", "444444444444-ap-southeast-1")
    }
    assert all("encrypted with AES256 (default)" in d["message"] for d in report["diagnostics"])
    assert report["outputs"]["destinationRegistries"][0] == "222222222222.dkr.ecr.us-west-2.amazonaws.com"


def test_dev_stack_human_plan(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    code, out, _ = plan(capsys, "--color", "never")
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == "Stack dev of project ecr-replication"
    headings = [line for line in lines if re.fullmatch(r"[0-9]{12}/[a-z0-9-]+", line)]
    assert headings == [
        "111111111111/us-east-1",
        "111111111111/us-west-2",
        "111111111111/global",
        "222222222222/eu-west-1",
        "222222222222/us-west-2",
        "222222222222/global",
        "444444444444/ap-south-1",
        "444444444444/ap-southeast-1",
        "444444444444/global",
    ]
    section = out.split("\n222222222222/us-west-2\n")[1].split("\n222222222222/global\n")[0]
    assert "+ aws:ecr:RegistryPolicy" in section and "images-registry-policy-222222222222-us-west-2" in section
    spoke = out.split("\n444444444444/ap-south-1\n")[1].split("\n444444444444/ap-southeast-1\n")[0]
    assert ("  + aws:ecr:PullThroughCacheRule           images-pull-through-prod-444444444444-ap-south-1\n"
            "      cache prefix  prod\n"
            "      upstream      222222222222.dkr.ecr.us-west-2.amazonaws.com, prefix prod\n"
            "      role          arn:aws:iam::444444444444:role/images-pull-through-role-444444444444-<random suffix>\n"
            ) in spoke
    spokes = out.split("\nPull-through spokes (cached from the upstream on first pull)\n")[1].split("\n\n")[0]
    assert spokes.splitlines() == [
        "  SPOKE                        UPSTREAM                PREFIXES",
        "  444444444444/ap-south-1      222222222222/us-west-2  prod, shared",
        "  444444444444/ap-southeast-1  222222222222/us-west-2  prod, shared",
    ]
    assert "Guardrails (ecr-replication-guardrails)" in out
    assert "\033[" not in out
    assert lines[-1] == ("30 resources in 3 account(s), 6 registries (2 pull-through spokes); 0 mandatory "
                         "violation(s), 10 advisory finding(s).")


def test_mandatory_violation_exits_1(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write_project(
        tmp_path,
        """
        import pulumi
        import pulumi_aws as aws
        src = aws.Provider("src", region="us-east-1", allowed_account_ids=["111111111111"])
        rule = {"destinations": [{"region": "us-west-2", "registry_id": "222222222222"}]}
        for name in ("first", "second"):
            aws.ecr.ReplicationConfiguration(
                name, replication_configuration={"rules": [rule]}, opts=pulumi.ResourceOptions(provider=src)
            )
        """,
        "config: {}\n",
    )
    code, out, err = plan(capsys, "--cwd", str(tmp_path), "--stack", "test", "--json")
    assert code == 1, err
    report = json.loads(out)
    mandatory = [d for d in report["diagnostics"] if d["level"] == "mandatory"]
    # Both resources manage the registry's one document: the pack flags each of them.
    assert sorted((d["policy"], d["urn"].rsplit("::", 1)[1]) for d in mandatory) == [
        ("ecr-replication-single-configuration", "first"),
        ("ecr-replication-single-configuration", "second"),
    ]
    assert report["summary"]["mandatory"] == 2


def test_policy_config_changes_levels(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = tmp_path / "policy-config.json"
    config.write_text(json.dumps({"all": "disabled"}))
    code, out, _ = plan(capsys, "--cwd", str(ROOT), "--json", "--policy-config", str(config))
    assert code == 0
    assert json.loads(out)["diagnostics"] == []


def test_no_policies(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = plan(capsys, "--cwd", str(ROOT), "--json", "--no-policies")
    assert code == 0
    assert json.loads(out)["diagnostics"] is None


@pytest.mark.parametrize(
    ("files", "argv", "message"),
    [
        (
            {
                "Pulumi.test.yaml": "config:\n  ecr-replication:source: {accountId: '11', region: us-east-1}\n"
                "  ecr-replication:destinations: [{accountId: '222222222222', regions: [us-west-2]}]\n"
            },
            [],
            "ecr-replication:source.accountId: an AWS account id is exactly 12 digits (got '11')",
        ),
        ({"Pulumi.test.yaml": "config: [unclosed\n"}, [], "Pulumi.test.yaml: line 2 is not valid YAML"),
        ({"policy.json": "{not json"}, ["--policy-config", "policy.json"], "policy.json: not valid JSON"),
        ({"policy.json": '{"no-such-policy": "mandatory"}'}, ["--policy-config", "policy.json"], "no-such-policy"),
    ],
)
def test_usage_and_config_errors_exit_2_with_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], files: dict[str, str], argv: list[str], message: str
) -> None:
    for name in ("Pulumi.yaml", "Pulumi.dev.yaml", "__main__.py"):
        (tmp_path / name).write_text((ROOT / name).read_text())
    (tmp_path / "Pulumi.test.yaml").write_text((ROOT / "Pulumi.dev.yaml").read_text())
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    argv = [a if a != "policy.json" else str(tmp_path / a) for a in argv]
    code, out, err = plan(capsys, "--cwd", str(tmp_path), "--stack", "test", "--policy-pack", str(ROOT / "policies"), *argv)
    assert code == 2
    assert out == ""
    assert len(err.strip().splitlines()) == 1, err
    assert err.startswith("ecr-replication plan: error: ")
    assert message in err
    assert "Traceback" not in err


def test_component_validation_error_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write_project(
        tmp_path,
        """
        import pulumi_aws as aws
        from replication import EcrReplication
        src = aws.Provider("src", region="us-east-1", allowed_account_ids=["111111111111"])
        dst = aws.Provider("dst", region="us-west-2", allowed_account_ids=["222222222222"])
        EcrReplication("images", {"source_provider": src,
                                  "destinations": [{"provider": dst, "regions": ["us-west-2"]}],
                                  "repository_prefixes": ["Prod/"]})
        """,
        "config: {}\n",
    )
    code, out, err = plan(capsys, "--cwd", str(tmp_path), "--stack", "test")
    assert (code, out) == (2, "")
    assert err == "ecr-replication plan: error: repository_prefixes[0]: a prefix uses lowercase letters, digits, '.', '_', '-' and '/' as repository names do (got 'Prod/')\n"


def test_json_errors_are_a_json_document_on_stdout(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """With --json a CI step parsing stdout gets a JSON document on an error too: the message of the stderr line and
    the config key it names; the line on stderr and the exit code stay as without --json."""
    for name in ("Pulumi.yaml", "__main__.py"):
        (tmp_path / name).write_text((ROOT / name).read_text())
    (tmp_path / "Pulumi.test.yaml").write_text(
        (ROOT / "Pulumi.dev.yaml").read_text().replace('"222222222222"', '"22222222222x"'))
    code, out, err = plan(capsys, "--cwd", str(tmp_path), "--stack", "test", "--json")
    message = "ecr-replication:destinations[0].accountId: an AWS account id is exactly 12 digits (got '22222222222x')"
    assert code == 2
    assert json.loads(out) == {"error": {"message": message, "key": "ecr-replication:destinations[0].accountId"}}
    assert err == f"ecr-replication plan: error: {message}\n"


def test_json_errors_without_a_config_key(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """An error that names no config key (a program bug, a missing project file) has a null key."""
    write_project(tmp_path, "import pulumi\n\nundefined_name\n", "config: {}\n")
    code, out, err = plan(capsys, "--cwd", str(tmp_path), "--stack", "test", "--no-policies", "--json")
    message = "__main__.py:3: NameError: name 'undefined_name' is not defined"
    assert (code, json.loads(out)) == (2, {"error": {"message": message, "key": None}})
    assert err == f"ecr-replication plan: error: {message}\n"
    code, out, _ = plan(capsys, "--cwd", str(tmp_path / "nowhere"), "--json")
    assert (code, json.loads(out)) == (2, {"error": {
        "message": f"{tmp_path / 'nowhere'}: no Pulumi.yaml, Pulumi.yml or Pulumi.json: not a Pulumi project folder",
        "key": None}})


def test_program_bug_is_one_line_naming_the_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write_project(tmp_path, "import pulumi\n\nundefined_name\n", "config: {}\n")
    code, _, err = plan(capsys, "--cwd", str(tmp_path), "--stack", "test", "--no-policies")
    assert code == 2
    assert err == "ecr-replication plan: error: __main__.py:3: NameError: name 'undefined_name' is not defined\n"


def test_unknowable_lookup_names_the_provider_setting(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write_project(
        tmp_path,
        """
        import pulumi_aws as aws
        from replication import EcrReplication
        src = aws.Provider("src", region="us-east-1", profile="ops")
        dst = aws.Provider("dst", region="us-west-2", allowed_account_ids=["222222222222"])
        EcrReplication("images", {"source_provider": src, "destinations": [{"provider": dst}]})
        """,
        "config: {}\n",
    )
    code, _, err = plan(capsys, "--cwd", str(tmp_path), "--stack", "test", "--no-policies")
    assert code == 2
    assert ("aws provider 'src': its account can't be known offline (neither allowedAccountIds nor assumeRoles names "
            "it); give it allowed_account_ids with its one account") in err


def test_secrets_are_never_printed(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write_project(
        tmp_path,
        """
        import pulumi, pulumi_aws as aws
        config = pulumi.Config()
        src = aws.Provider("src", region="us-east-1", allowed_account_ids=["111111111111"],
                           profile=config.require_secret("profile"))
        hidden = aws.Provider("hidden", region=pulumi.Output.secret("ap-hidden-1"),
                              allowed_account_ids=[pulumi.Output.secret("999988887777")],
                              assume_roles=[{"role_arn": pulumi.Output.secret("arn:aws:iam::999988887777:role/Covert")}])
        repo = aws.ecr.Repository("repo", name="prod/api", tags={"owner": config.require_secret("owner")},
                                  opts=pulumi.ResourceOptions(provider=src))
        aws.ecr.Repository("other", name="prod/web", opts=pulumi.ResourceOptions(provider=hidden))
        pulumi.export("owner", config.require_secret("owner"))
        pulumi.export("repository", repo)
        """,
        """
        config:
          scratch:profile:
            secure: AAABAJxy0ZmVjcmV0LXByb2ZpbGU=
          scratch:owner: team-hush-hush
        """,
    )
    for argv in ([], ["--json"]):
        code, out, err = plan(capsys, "--cwd", str(tmp_path), "--stack", "test", "--no-policies", *argv)
        assert code == 0, err
        assert "AAABAJxy0ZmVjcmV0LXByb2ZpbGU=" not in out
        for secret in ("team-hush-hush", "ap-hidden-1", "999988887777", "Covert"):
            assert secret not in out
        assert "[secret]" in out


def test_plan_json_is_what_check_expects(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`ecr-replication check --expected plan.json` reads the plan's top-level keys as the expected state."""
    from replication.cli.check import expected_of
    from replication.cli.expectation import Expectation, read_document
    from replication.ecr_semantics import Registry

    code, out, _ = plan(capsys, "--json", "--no-policies", "--cwd", str(ROOT))
    assert code == 0
    expected_file = tmp_path / "plan.json"
    expected_file.write_text(out)
    given = Expectation(str(expected_file), read_document(expected_file))
    assert (given.declared("sourceRegistryId"), given.declared("sourceRegion")) == ("111111111111", "us-east-1")
    expected = expected_of(given.document, str(given.label))
    (rule,) = expected.rules
    assert rule.prefixes == ("prod/", "shared/")
    assert rule.destinations == (
        Registry("222222222222", "us-west-2"),
        Registry("222222222222", "eu-west-1"),
        Registry("111111111111", "us-west-2"),
    )
    assert set(expected.registry_policies) == {Registry("222222222222", "us-west-2"), Registry("222222222222", "eu-west-1")}


def _example_project(folder: Path) -> Path:
    for name in ("Pulumi.yaml", "Pulumi.dev.yaml", "__main__.py"):
        (folder / name).write_text((ROOT / name).read_text())
    (folder / "policies").mkdir()
    return folder


def test_a_projects_own_pack_of_another_language_is_skipped_with_a_note(tmp_path: Path,
                                                                        capsys: pytest.CaptureFixture[str]) -> None:
    """plan runs packs as the Python language host does; an organisation's Node.js pack in policies/ is said, and
    the bundled guardrails run instead of a failure without a reason."""
    project = _example_project(tmp_path)
    (project / "policies" / "PulumiPolicy.yaml").write_text("runtime: nodejs\n")
    code, out, err = plan(capsys, "--stack", "dev", "--cwd", str(project))
    assert code == 0 and "Guardrails (ecr-replication-guardrails)" in out
    assert err == (f"note: {project / 'policies'} is a nodejs policy pack, which plan can't run; using the bundled "
                   "guardrails (run yours with pulumi preview --policy-pack)\n")


def test_a_failing_pack_is_one_line_with_what_it_said(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    project = _example_project(tmp_path)
    (project / "policies" / "PulumiPolicy.yaml").write_text("runtime: python\n")
    (project / "policies" / "__main__.py").write_text("raise SystemExit('the pack could not start: bad config')\n")
    code, _, err = plan(capsys, "--stack", "dev", "--cwd", str(project))
    assert code == 2
    assert err == (f"ecr-replication plan: error: the policy pack failed: policy pack {project / 'policies'} printed "
                   "no port (got b'') and this on stderr: the pack could not start: bad config\n")
