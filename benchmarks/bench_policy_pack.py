"""Benchmark: our pack against a one-policy no-op pack over the analyzer protocol the CLI speaks.

Every pack runs in its own process, as `pulumi preview --policy-pack` runs it, and the packs take turns in one
run. Prints, next to their floors (issue 15):

- `AnalyzeStack` on 10,000 resources: ours at most 1.0x the no-op pack with one stack policy;
- growth from 1,000 to 10,000 resources: ours no worse than the no-op pack's own;
- 10,000 per-resource `Analyze` calls: ours at most 1.2x the no-op pack.

For scale it also runs our pack on pulumi-policy's stock servicer (`ECR_GUARDRAILS_STOCK_SDK=1`), which
rebuilds every resource once per stack policy, and a no-op pack with as many stack policies as ours.
Run: `python benchmarks/bench_policy_pack.py`.
"""

import json
import sys
import tempfile
import time
from collections.abc import Callable
from contextlib import ExitStack
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from pulumi_policy import StackValidationPolicy  # noqa: E402

from policies.ecr_guardrails import POLICIES  # noqa: E402
from policies.ecr_guardrails.sdk_fast_path import STOCK_PATH_VARIABLE  # noqa: E402
from replication.preview.analyzer import PolicyPackServer, ProviderResource, StackResource  # noqa: E402
from replication.preview.analyzer.messages import to_analyze_request  # noqa: E402

PACK_DIR = Path(__file__).resolve().parents[1] / "policies"
"""Our pack."""
SIZES = (1_000, 10_000)
"""Stack sizes, in resources."""
RUNS = 7
"""Timed `AnalyzeStack` runs per pack and size; the best one counts."""
ANALYZE_RUNS = 3
"""Timed runs of the 10,000 `Analyze` calls per pack; the best one counts."""
ECR = "aws:ecr/"
"""Prefix of the ECR type tokens."""

NOOP_PACK_MAIN = '''
from pulumi_policy import PolicyPack, StackValidationPolicy

PolicyPack(name="noop", policies=[StackValidationPolicy(
    name=f"noop-{{i}}", description="Does nothing.", validate=lambda args, report_violation: None)
    for i in range({count})])
'''
"""The `__main__.py` of a pack of `{count}` no-op stack policies."""


def _provider(name: str, account: str, region: str) -> ProviderResource:
    return ProviderResource(type="pulumi:providers:aws", name=name,
                            urn=f"urn:pulumi:bench::bench::pulumi:providers:aws::{name}",
                            props={"region": region, "allowedAccountIds": [account]})


def _resource(type_: str, name: str, props: dict, provider: ProviderResource) -> StackResource:
    return StackResource(type=type_, name=name, urn=f"urn:pulumi:bench::bench::{type_}::{name}", props=props,
                         provider=provider)


def replication_resources() -> list[StackResource]:
    """A source registry replicating `prod/` to 20 destinations in two accounts, with their policies,
    scanning configurations and templates (the shape `EcrReplication` registers)."""
    source = _provider("source", "111111111111", "us-east-1")
    regions = [f"region-{i}" for i in range(10)]
    destinations = [{"region": r, "registryId": a} for a in ("222222222222", "333333333333") for r in regions]
    resources = [_resource(f"{ECR}replicationConfiguration:ReplicationConfiguration", "replication", {
        "replicationConfiguration": {"rules": [{"destinations": destinations, "repositoryFilters": [
            {"filter": "prod/", "filterType": "PREFIX_MATCH"}]}]}}, source)]
    for d in destinations:
        provider = _provider(f"dest-{d['registryId']}", d["registryId"], "us-west-2")
        key = f"{d['registryId']}-{d['region']}"
        policy = {"Version": "2012-10-17", "Statement": [{
            "Sid": "Replication", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111111111111:root"},
            "Action": ["ecr:CreateRepository", "ecr:ReplicateImage"],
            "Resource": [f"arn:aws:ecr:{d['region']}:{d['registryId']}:repository/prod/*"]}]}
        resources += [
            _resource(f"{ECR}registryPolicy:RegistryPolicy", f"policy-{key}",
                      {"region": d["region"], "policy": json.dumps(policy)}, provider),
            _resource(f"{ECR}registryScanningConfiguration:RegistryScanningConfiguration", f"scan-{key}", {
                "region": d["region"], "scanType": "BASIC", "rules": [{"scanFrequency": "SCAN_ON_PUSH",
                "repositoryFilters": [{"filter": "prod/*", "filterType": "WILDCARD"}]}]}, provider),
            _resource(f"{ECR}repositoryCreationTemplate:RepositoryCreationTemplate", f"template-{key}", {
                "region": d["region"], "prefix": "prod", "appliedFors": ["REPLICATION"],
                "imageTagMutability": "IMMUTABLE", "encryptionConfigurations": [{"encryptionType": "KMS"}],
                "customRoleArn": f"arn:aws:iam::{d['registryId']}:role/ecr-template"}, provider),
        ]
    return resources


def _as_resource(provider: ProviderResource) -> StackResource:
    return StackResource(type=provider["type"], name=provider["name"], urn=provider["urn"], props=provider["props"])


def stack(size: int) -> list[StackResource]:
    """`size` resources: the replication resources and their providers, plus unrelated buckets up to the size."""
    ecr = replication_resources()
    other = _provider("other", "444444444444", "eu-west-1")
    providers = {r["provider"]["urn"]: r["provider"] for r in ecr if r.get("provider")} | {other["urn"]: other}
    declared = [_as_resource(p) for p in providers.values()] + ecr
    buckets = [_resource("aws:s3/bucket:Bucket", f"bucket-{i}", {
        "bucket": f"bucket-{i}", "tags": {"team": "platform", "index": str(i)}, "forceDestroy": False}, other)
        for i in range(size - len(declared))]
    return declared + buckets


def best_times(packs: dict[str, PolicyPackServer], call: Callable[[PolicyPackServer], object],
               runs: int) -> dict[str, float]:
    """Best-of-`runs` seconds of `call` for each pack. The packs take turns within each run, so a burst of
    load on the shared machine hits them alike; the best run is the one least disturbed by it."""
    for pack in packs.values():
        call(pack)  # warm-up
    timings: dict[str, list[float]] = {label: [] for label in packs}
    for _ in range(runs):
        for label, pack in packs.items():
            started = time.perf_counter()
            call(pack)
            timings[label].append(time.perf_counter() - started)
    return {label: min(times) for label, times in timings.items()}


def time_analyze_stack(packs: dict[str, PolicyPackServer], resources: list[StackResource]) -> dict[str, float]:
    """`AnalyzeStack` over one prepared request (building the request is not timed)."""
    request = PolicyPackServer.stack_request(resources)
    return best_times(packs, lambda pack: pack.analyze_stack_request(request), RUNS)


def time_analyze(packs: dict[str, PolicyPackServer], resources: list[StackResource]) -> dict[str, float]:
    """One `Analyze` call per resource, as the CLI sends them during a preview (requests prepared untimed)."""
    requests = [to_analyze_request(resource) for resource in resources]

    def analyze_all(pack: PolicyPackServer) -> None:
        for request in requests:
            pack.stub.Analyze(request)

    return best_times(packs, analyze_all, ANALYZE_RUNS)


def noop_pack(folder: Path, stack_policies: int) -> Path:
    """Write a pack of `stack_policies` no-op stack policies into `folder`."""
    folder.mkdir()
    (folder / "PulumiPolicy.yaml").write_text("runtime: python\n")
    (folder / "__main__.py").write_text(NOOP_PACK_MAIN.format(count=stack_policies))
    return folder


def start_packs(temp: Path, running: ExitStack) -> dict[str, PolicyPackServer]:
    """The packs, each in its own process: the no-op floor first, ours last."""
    stack_policies = sum(isinstance(p, StackValidationPolicy) for p in POLICIES)
    stock = running.enter_context(PolicyPackServer(PACK_DIR, env={STOCK_PATH_VARIABLE: "1"}))
    return {"no-op, 1 stack policy": running.enter_context(PolicyPackServer(noop_pack(temp / "one", 1))),
            f"no-op, {stack_policies} stack policies": running.enter_context(
                PolicyPackServer(noop_pack(temp / "many", stack_policies))),
            "ours on the stock SDK servicer": stock,
            "ours": running.enter_context(PolicyPackServer(PACK_DIR))}


def verdict(value: float, floor: float) -> str:
    """The figure next to its floor."""
    return f"{value:5.2f}x (floor <= {floor:.2f}x: {'met' if value <= floor else 'NOT MET'})"


def main() -> None:
    """Time the packs on both stack sizes and print the figures and ratios."""
    stacks = {size: stack(size) for size in SIZES}
    small, large = SIZES
    with tempfile.TemporaryDirectory() as temp, ExitStack() as running:
        packs = start_packs(Path(temp), running)
        by_size = {size: time_analyze_stack(packs, resources) for size, resources in stacks.items()}
        analyze = time_analyze(packs, stacks[large])
    noop, ours = "no-op, 1 stack policy", "ours"
    growth = {label: by_size[large][label] / by_size[small][label] for label in packs}
    print(f"AnalyzeStack over the analyzer protocol, best of {RUNS} runs; {large:,} Analyze calls, best of "
          f"{ANALYZE_RUNS} runs")
    for label in packs:
        print(f"  {label:32} AnalyzeStack {small:>6,}: {by_size[small][label] * 1000:8.1f} ms  "
              f"{large:>6,}: {by_size[large][label] * 1000:8.1f} ms  (x{growth[label]:5.2f})   "
              f"{large:,} x Analyze: {analyze[label] * 1000:8.1f} ms")
    print(f"  AnalyzeStack at {large:,}, ours / no-op:        {verdict(by_size[large][ours] / by_size[large][noop], 1.0)}")
    print(f"  growth {small:,} -> {large:,}, ours / no-op's:  {verdict(growth[ours] / growth[noop], 1.0)}"
          f"  (ours x{growth[ours]:.2f}, no-op x{growth[noop]:.2f})")
    print(f"  {large:,} x Analyze, ours / no-op:         {verdict(analyze[ours] / analyze[noop], 1.2)}")
    stock = "ours on the stock SDK servicer"
    print(f"  for scale, on the stock servicer: AnalyzeStack {by_size[large][stock] / by_size[large][noop]:.2f}x, "
          f"Analyze {analyze[stock] / analyze[noop]:.2f}x the no-op pack")


if __name__ == "__main__":
    main()
