"""The pack's fast servicer against pulumi-policy's stock one: the same answers, byte for byte, on every stack
and config; each resource deserialized once; and the stock path whenever the SDK lacks an internal it uses.

Protocol tests compare the two paths process against process (conftest.py); these call both servicers in this
process on larger stacks, on policies that exercise the SDK's other outcomes (unknown values, not applicable,
async, remediation-only), and check the fallback.
"""

import asyncio
import gc
import json
import subprocess
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Optional

import pytest
from google.protobuf import empty_pb2, json_format
from pulumi.runtime import proto
from pulumi_policy import (EnforcementLevel, Policy, ResourceValidationPolicy, StackValidationArgs,
                           StackValidationPolicy)
from pulumi_policy import deserialize as sdk_deserialize
from pulumi_policy import policy as sdk
from pulumi_policy import proxy as sdk_proxy

from policies.ecr_guardrails import PACK_DESCRIPTION, PACK_NAME, POLICIES, sdk_fast_path
from replication.preview.analyzer import (UNKNOWN, InProcessPack, PolicyConfig, PolicyPackServer, StackResource,
                                          bundled_pack_dir, open_pack)
from replication.preview.analyzer.messages import to_analyze_request, to_analyzer_resource, to_configure_request
from tests.policies.policy_args import PACK_DIR, by_policy
from tests.policies.policy_stacks import (creation_template, destination, guarded_stack, many_destinations,
                                          pull_through_rule, registry_policy, replication_configuration, repository,
                                          rule, scanning_configuration, source_provider, statement)

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))
from bench_policy_pack import stack as benchmark_stack  # noqa: E402

Servicer = Any
"""An analyzer servicer (stock or fast); both take `(request, context)` calls."""


def servicers(policies: Sequence[Policy], config: Optional[PolicyConfig]) -> tuple[Servicer, Servicer]:
    """The stock and the fast servicer of a pack of `policies`, both configured with `config`."""
    built = []
    for servicer_class in (sdk._PolicyAnalyzerServicer, sdk_fast_path.FastAnalyzerServicer):
        servicer = servicer_class(PACK_NAME, "0.0.1", list(policies), EnforcementLevel.ADVISORY, None, None)
        info = servicer.GetAnalyzerInfo(empty_pb2.Empty(), None)
        servicer.Configure(to_configure_request(config, info.policies), None)
        built.append(servicer)
    return built[0], built[1]


def answers(servicer: Servicer, resources: Sequence[StackResource]) -> list[bytes]:
    """What the CLI would get during a preview: `Analyze` per resource, then `AnalyzeStack`, serialized."""
    responses = [servicer.Analyze(to_analyze_request(resource), None) for resource in resources]
    stack = proto.AnalyzeStackRequest(resources=[to_analyzer_resource(resource) for resource in resources])
    responses.append(servicer.AnalyzeStack(stack, None))
    return [response.SerializeToString(deterministic=True) for response in responses]


def broken_stack() -> list[StackResource]:
    """A stack that breaks every policy of the pack at least once."""
    open_policy = registry_policy("open", statements=[statement(principal="*", actions=["ecr:*"])])
    secret = registry_policy("secret", statements=[statement(principal="*")])
    secret["props"] = {**secret["props"], "policy": {"4dabf18193072939515e22adb298388d":
                                                     "1b47061264138c4ac30d75fd1eb44270",
                                                     "value": secret["props"]["policy"]}}
    unknown = replication_configuration("unknown", rules=[{"destinations": [destination()],
                                                           "repositoryFilters": UNKNOWN}])
    default_provider = repository("team/x")
    default_provider["provider"] = {"type": "pulumi:providers:aws", "name": "default_7_0_0",
                                    "urn": "urn:pulumi:dev::ecr::pulumi:providers:aws::default_7_0_0", "props": {}}
    return [source_provider(),
            replication_configuration("first", rules=[rule(many_destinations(15), ["prod/", "x"])] * 11),
            replication_configuration("second", rules=[rule(many_destinations(30)[15:], filter_type="WILDCARD")]),
            open_policy, secret, unknown, creation_template("mutable", mutability="MUTABLE", encryption=None),
            scanning_configuration(patterns=("prod/api*",)), default_provider,
            pull_through_rule(upstream="999999999999.dkr.ecr.eu-west-1.amazonaws.com")]


STACKS: dict[str, Callable[[], list[StackResource]]] = {
    "guarded": guarded_stack,
    "broken": broken_stack,
    "1,000 resources": lambda: benchmark_stack(1_000),
}
CONFIGS: dict[str, Optional[PolicyConfig]] = {
    "defaults": None,
    "all mandatory, settings": {"all": "mandatory", "ecr-replication-destination-limit": {"maxDestinations": 20},
                                "ecr-replicated-repositories-hardened": {"aes256Counts": True}},
    "remediate and disabled": {"all": "remediate", "aws-explicit-providers": "disabled",
                               "ecr-replication-rule-limits": {"enforcementLevel": "disabled"}},
}


@pytest.mark.parametrize("config", CONFIGS.values(), ids=CONFIGS.keys())
@pytest.mark.parametrize("make_stack", STACKS.values(), ids=STACKS.keys())
def test_the_fast_servicer_answers_byte_for_byte_what_the_sdk_does(make_stack: Callable[[], list[StackResource]],
                                                                   config: Optional[PolicyConfig]) -> None:
    resources = make_stack()
    stock, fast = servicers(POLICIES, config)
    assert answers(fast, resources) == answers(stock, resources)


def test_the_broken_stack_does_hear_from_every_policy() -> None:
    with InProcessPack(servicers(POLICIES, None)[1]) as pack:
        assert set(by_policy(pack.preview(broken_stack()))) == {policy.name for policy in POLICIES}


def _reads_unknown(args: Any, report_violation: Callable[..., None]) -> None:
    report_violation(f"region {args.props['region']}")  # raises UnknownValueError when it is unknown


def _not_applicable(args: Any, report_violation: Callable[..., None]) -> None:
    args.not_applicable("nothing to judge")


async def _async_violation(args: Any, report_violation: Callable[..., None]) -> None:
    await asyncio.sleep(0)
    report_violation("reported later", getattr(args, "urn", None))


def _links(args: StackValidationArgs, report_violation: Callable[..., None]) -> None:
    for resource in args.resources:
        report_violation(f"{resource.name}: parent {resource.parent and resource.parent.name}, depends on "
                         f"{[d.name for d in resource.dependencies]}, provider "
                         f"{resource.provider and sorted(resource.provider.props)}, options "
                         f"{resource.opts.protect}/{resource.opts.parent}, props {sorted(resource.props)}",
                         resource.urn)


SDK_OUTCOMES: list[Policy] = [
    ResourceValidationPolicy(name="unknown-resource", description="Reads an unknown value.", validate=_reads_unknown),
    StackValidationPolicy(name="unknown-stack", description="Reads an unknown value.",
                          validate=lambda args, report: [_reads_unknown(r, report) for r in args.resources]),
    ResourceValidationPolicy(name="not-applicable", description="Doesn't apply.", validate=_not_applicable),
    StackValidationPolicy(name="not-applicable-stack", description="Doesn't apply.", validate=_not_applicable),
    ResourceValidationPolicy(name="async", description="Reports asynchronously.", validate=_async_violation),
    StackValidationPolicy(name="async-stack", description="Reports asynchronously.", validate=_async_violation),
    ResourceValidationPolicy(name="remediate-only", description="Only remediates.", remediate=lambda args: None),
    StackValidationPolicy(name="links", description="Reads what links resources.", validate=_links),
]


def test_other_sdk_outcomes_are_answered_as_the_sdk_does() -> None:
    """Unknown values, not applicable, async validations, remediation-only policies, parents and dependencies:
    none of this pack's policies does these, but the servicer must answer them as the SDK would."""
    child = replication_configuration("child", region=UNKNOWN)
    child["parent_urn"], child["dependencies"] = source_provider()["urn"], [source_provider()["urn"], "urn:gone"]
    resources = [source_provider(), child, registry_policy()]
    for config in (None, {"all": "remediate"}, {"async": "mandatory", "links": "disabled"}):
        stock, fast = servicers(SDK_OUTCOMES, config)
        assert answers(fast, resources) == answers(stock, resources)


def test_each_resource_is_deserialized_at_most_once_and_only_when_read(monkeypatch: pytest.MonkeyPatch) -> None:
    """The fast path's point: the SDK turns every resource's props and provider props into dicts for each of
    the five stack policies; the fast servicer only those of the resources a policy reads (the ECR ones), once."""
    resources = benchmark_stack(1_000)
    request = proto.AnalyzeStackRequest(resources=[to_analyzer_resource(r) for r in resources])
    ecr = [r for r in resources if r["type"].startswith("aws:ecr/")]
    converted: dict[str, int] = {}
    for label, servicer in zip(("stock", "fast"), servicers(POLICIES, None)):
        calls: list[Any] = []
        with monkeypatch.context() as patch:
            original = json_format.MessageToDict
            patch.setattr(json_format, "MessageToDict", lambda message, *a, **k: calls.append(message) or
                          original(message, *a, **k))
            servicer.AnalyzeStack(request, None)
        converted[label] = len(calls)
    assert converted["stock"] >= 5 * len(resources)
    assert converted["fast"] <= 2 * len(ecr) < len(resources) // 5


def test_collection_is_held_off_during_a_request_only() -> None:
    seen = []
    policy = StackValidationPolicy(name="gc", description="Sees the collector.",
                                   validate=lambda args, report: seen.append(gc.isenabled()))
    _, fast = servicers([policy], None)
    assert gc.isenabled()
    fast.AnalyzeStack(proto.AnalyzeStackRequest(), None)
    assert seen == [False] and gc.isenabled()


def test_every_internal_is_found_in_the_installed_sdk() -> None:
    assert sdk_fast_path.missing_internals() == []


def test_a_missing_internal_means_the_stock_servicer(monkeypatch: pytest.MonkeyPatch,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.delattr(sdk_deserialize, "deserialize_properties")
    assert sdk_fast_path.missing_internals() == ["pulumi_policy.deserialize.deserialize_properties"]
    assert sdk_fast_path.in_process_servicer(PACK_NAME, POLICIES, PACK_DESCRIPTION) is None
    assert "lacks pulumi_policy.deserialize.deserialize_properties" in capsys.readouterr().err


class ServicerOfAnotherShape(sdk._PolicyAnalyzerServicer):
    """A servicer whose constructor takes its arguments in another order, as a later SDK's might."""

    def __init__(self, version: str, name: str, *args: Any) -> None:
        super().__init__(name, version, *args)


@pytest.mark.parametrize("owner, name, replacement, missing", [
    (sdk_deserialize, "deserialize_properties", None, "pulumi_policy.deserialize.deserialize_properties"),
    (sdk_proxy, "unknown_checking_proxy", None, "pulumi_policy.proxy.unknown_checking_proxy"),
    (sdk, "_NotApplicableError", None, "pulumi_policy.policy._NotApplicableError"),
    (sdk._PolicyAnalyzerServicer, "_get_policy_config", None, "_PolicyAnalyzerServicer._get_policy_config"),
    (ResourceValidationPolicy, "has_validation", None, "ResourceValidationPolicy.has_validation"),
    (sdk, "_PolicyAnalyzerServicer", ServicerOfAnotherShape, "_PolicyAnalyzerServicer(name, version, policies"),
], ids=["deserializer", "proxy", "not-applicable", "servicer method", "has-validation", "servicer constructor"])
def test_each_internal_is_checked(monkeypatch: pytest.MonkeyPatch, owner: Any, name: str, replacement: Any,
                                  missing: str) -> None:
    if replacement is None:
        monkeypatch.delattr(owner, name)
    else:
        monkeypatch.setattr(owner, name, replacement)
    assert any(entry.startswith(missing) for entry in sdk_fast_path.missing_internals())


def test_the_module_loads_on_an_sdk_without_the_servicer_class() -> None:
    """Even the class the fast servicer extends may be gone: the module still loads and says so."""
    script = ("import json, sys; import pulumi_policy.policy as sdk; del sdk._PolicyAnalyzerServicer; "
              f"sys.path.insert(0, {str(PACK_DIR)!r}); from ecr_guardrails import sdk_fast_path; "
              "print(json.dumps(sdk_fast_path.missing_internals()))")
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert json.loads(result.stdout) == ["pulumi_policy.policy._PolicyAnalyzerServicer"]


FORCED_FALLBACK_MAIN = """
import runpy, sys
import pulumi_policy.proxy
del pulumi_policy.proxy.unknown_checking_proxy  # as if a later pulumi-policy had renamed it (the stock servicer keeps its own reference)
sys.path.insert(0, {pack!r})
runpy.run_path({main!r}, run_name="__main__")
"""


def test_the_pack_process_falls_back_to_the_stock_servicer(tmp_path: Path) -> None:
    """The pack started the CLI's way on an SDK that lacks an internal still serves, on the stock path, with the
    same diagnostics, and says why on stderr."""
    (tmp_path / "__main__.py").write_text(FORCED_FALLBACK_MAIN.format(pack=str(PACK_DIR),
                                                                     main=str(PACK_DIR / "__main__.py")))
    stack = broken_stack()
    with PolicyPackServer(tmp_path) as fallback, PolicyPackServer(PACK_DIR) as fast:
        assert fallback.preview(stack) == fast.preview(stack) != []
        assert "lacks pulumi_policy.proxy.unknown_checking_proxy; running on its stock analyzer" in fallback.stderr()
        assert fast.stderr() == ""


def test_plan_runs_the_bundled_pack_in_process_and_any_other_in_its_own(tmp_path: Path,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    assert bundled_pack_dir() == PACK_DIR
    assert isinstance(open_pack(PACK_DIR), InProcessPack)
    other = tmp_path / "other-pack"
    other.mkdir()
    assert isinstance(open_pack(other), PolicyPackServer)
    monkeypatch.setenv(sdk_fast_path.STOCK_PATH_VARIABLE, "1")
    assert isinstance(open_pack(PACK_DIR), PolicyPackServer)
