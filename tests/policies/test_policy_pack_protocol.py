"""The pack end to end, over the analyzer protocol the Pulumi CLI speaks, in its own process."""

import ast
import json
import os
from pathlib import Path

import pytest

from replication.preview.analyzer import UNKNOWN, PolicyPackError, PolicyPackServer
from tests.policies.policy_args import PACK_DIR, by_policy
from tests.policies.policy_stacks import (guarded_stack, many_destinations, registry_policy,
                                          replication_configuration, rule, source_provider, statement)

SECRET_SIGNATURE = {"4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270"}

EXPECTED_LEVELS = {
    "ecr-replication-destination-limit": "MANDATORY",
    "ecr-replication-rule-limits": "MANDATORY",
    "ecr-replication-single-configuration": "MANDATORY",
    "ecr-registry-policy-least-privilege": "MANDATORY",
    "ecr-replication-has-permission": "ADVISORY",
    "ecr-replicated-repositories-hardened": "ADVISORY",
    "ecr-pull-through-upstream-replicated": "ADVISORY",
    "aws-explicit-providers": "ADVISORY",
}


def test_analyzer_info_names_the_pack_its_policies_levels_and_settings(pack: PolicyPackServer) -> None:
    from pulumi.runtime import proto

    assert pack.info.name == "ecr-replication-guardrails"
    levels = {p.name: proto.EnforcementLevel.Name(p.enforcementLevel) for p in pack.info.policies}
    assert levels == EXPECTED_LEVELS
    schemas = {p.name: dict(p.configSchema.properties) for p in pack.info.policies}
    assert schemas["ecr-replication-destination-limit"]["maxDestinations"]["default"] == 25
    assert schemas["ecr-replication-rule-limits"]["maxRules"]["default"] == 10  # pulumi-aws's, not the API's 25
    assert schemas["ecr-replication-rule-limits"]["maxFiltersPerRule"]["default"] == 100


def test_a_guarded_stack_has_no_diagnostics(pack: PolicyPackServer) -> None:
    assert pack.preview(guarded_stack()) == []


def test_26_destinations_fail_the_preview_on_the_configuration(pack: PolicyPackServer) -> None:
    config = replication_configuration(rules=[rule(many_destinations(26))])
    [diagnostic] = by_policy(pack.analyze_stack([source_provider(), config]))["ecr-replication-destination-limit"]
    assert (diagnostic.enforcement_level, diagnostic.urn) == ("mandatory", config["urn"])
    assert "26 unique destinations" in diagnostic.message


def test_two_configurations_of_one_registry_fail_the_preview(pack: PolicyPackServer) -> None:
    first = replication_configuration("first", rules=[rule(many_destinations(15))])
    second = replication_configuration("second", rules=[rule(many_destinations(30)[15:])])
    found = by_policy(pack.analyze_stack([source_provider(), first, second]))
    assert {d.urn for d in found["ecr-replication-single-configuration"]} == {first["urn"], second["urn"]}
    assert {d.urn for d in found["ecr-replication-destination-limit"]} == {first["urn"], second["urn"]}
    assert {d.enforcement_level for d in found["ecr-replication-single-configuration"]} == {"mandatory"}


def test_settings_and_the_all_key_apply_like_a_policy_config_file(pack: PolicyPackServer) -> None:
    config = replication_configuration(rules=[rule(many_destinations(21))])
    pack.configure({"all": "advisory", "ecr-replication-destination-limit": {"maxDestinations": 20}})
    [diagnostic] = by_policy(pack.analyze_stack([config]))["ecr-replication-destination-limit"]
    assert diagnostic.enforcement_level == "advisory" and "your limit is 20" in diagnostic.message


def test_settings_alone_keep_the_default_level(pack: PolicyPackServer) -> None:
    pack.configure({"ecr-replication-rule-limits": {"maxRules": 1}})
    [diagnostic] = pack.analyze(replication_configuration(rules=[rule(many_destinations(1))] * 2))
    assert (diagnostic.policy_name, diagnostic.enforcement_level) == ("ecr-replication-rule-limits", "mandatory")


@pytest.mark.parametrize("config, problem", [({"ecr-replication-destination-limits": "advisory"}, "doesn't have"),
                                             ({"aws-explicit-providers": "warn"}, "'warn' is not one of")])
def test_a_config_naming_no_policy_or_level_is_refused(pack: PolicyPackServer, config: dict, problem: str) -> None:
    with pytest.raises(ValueError, match=problem):
        pack.configure(config)


def test_unknown_values_produce_no_diagnostics(pack: PolicyPackServer) -> None:
    config = replication_configuration(rules=[{"destinations": UNKNOWN, "repositoryFilters": UNKNOWN}], region=UNKNOWN)
    policy = registry_policy()
    policy["props"] = {"region": UNKNOWN, "policy": UNKNOWN}
    resources = [source_provider(), config, policy]
    assert pack.preview(resources) == []


def test_secret_props_are_judged_by_their_value(pack: PolicyPackServer) -> None:
    policy = registry_policy(statements=[statement(principal="*")])
    policy["props"] = {**policy["props"], "policy": {**SECRET_SIGNATURE, "value": policy["props"]["policy"]}}
    [diagnostic] = pack.analyze(policy)
    assert "'*' principal" in diagnostic.message


def test_the_pack_process_is_stopped_on_exit() -> None:
    with PolicyPackServer(PACK_DIR) as server:
        pid = server.pid
        assert pid is not None
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)


def test_a_folder_that_is_no_pack_reports_its_error(tmp_path: Path) -> None:
    (tmp_path / "__main__.py").write_text("raise SystemExit('no pack here')\n")
    with pytest.raises(PolicyPackError, match="no pack here"):
        PolicyPackServer(tmp_path, startup_timeout=10).start()


def _imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    names = {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
    names |= {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.level == 0
              and node.module}
    return {name.split(".")[0] for name in names}


def test_the_published_pack_imports_only_what_its_requirements_install() -> None:
    import sys

    files = [PACK_DIR / "__main__.py", *(PACK_DIR / "ecr_guardrails").glob("*.py")]
    third_party = set().union(*map(_imported_modules, files)) - set(sys.stdlib_module_names) - {"ecr_guardrails"}
    requirements = (PACK_DIR / "requirements.txt").read_text()
    assert third_party == {"pulumi_policy"}
    assert "pulumi-policy" in requirements and "pulumi>=" in requirements


def test_the_example_config_names_only_policies_and_settings_the_pack_declares(pack: PolicyPackServer) -> None:
    example = json.loads((PACK_DIR / "policy-config.example.json").read_text())
    schemas = {p.name: set(p.configSchema.properties) for p in pack.info.policies}
    for policy, entry in example.items():
        assert policy in schemas
        if isinstance(entry, dict):
            assert set(entry) - {"enforcementLevel"} <= schemas[policy], policy
    pack.configure(example)
    assert by_policy(pack.analyze_stack([replication_configuration()]))["ecr-replication-has-permission"][0] \
        .enforcement_level == "mandatory"
