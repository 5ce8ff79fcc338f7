"""Benchmark: `AnalyzeStack` over the analyzer protocol for 1,000- and 10,000-resource stacks.

Runs our pack and a pack with one no-op stack policy (the cost of the protocol and the policy SDK alone)
in one run and prints times and ratios. Targets: 10,000 vs 1,000 resources at most 12x (linear), and our
pack at most 1.5x the no-op pack on 10,000 resources. Run: `python benchmarks/bench_policy_pack.py`.

pulumi-policy deserializes every resource again for each stack policy (props and provider props), so a pack
pays that SDK cost once per stack policy. A third pack with as many no-op stack policies as ours separates
that cost from the cost of our policies' own code.
"""

import json
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from pulumi_policy import StackValidationPolicy  # noqa: E402

from policies.ecr_guardrails import POLICIES  # noqa: E402
from replication.preview.analyzer import PolicyPackServer, ProviderResource, StackResource  # noqa: E402

PACK_DIR = Path(__file__).resolve().parents[1] / "policies"
"""Our pack."""
SIZES = (1_000, 10_000)
"""Stack sizes, in resources."""
RUNS = 7
"""Timed runs per pack and size; the best one counts."""
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


def time_analyze_stack(packs: dict[str, PolicyPackServer], resources: list[StackResource]) -> dict[str, float]:
    """Best-of-`RUNS` seconds of `AnalyzeStack` for each pack over one prepared request (building the request
    is not timed). The packs take turns within each run, so a burst of load on the shared machine hits them
    alike; the best run is the one least disturbed by it."""
    request = PolicyPackServer.stack_request(resources)
    timings: dict[str, list[float]] = {label: [] for label in packs}
    for pack in packs.values():
        pack.analyze_stack_request(request)  # warm-up
    for _ in range(RUNS):
        for label, pack in packs.items():
            started = time.perf_counter()
            pack.analyze_stack_request(request)
            timings[label].append(time.perf_counter() - started)
    return {label: min(runs) for label, runs in timings.items()}


def noop_pack(folder: Path, stack_policies: int) -> Path:
    """Write a pack of `stack_policies` no-op stack policies into `folder`."""
    folder.mkdir()
    (folder / "PulumiPolicy.yaml").write_text("runtime: python\n")
    (folder / "__main__.py").write_text(NOOP_PACK_MAIN.format(count=stack_policies))
    return folder


def main() -> None:
    """Time the packs on both stack sizes and print the figures and ratios."""
    stacks = {size: stack(size) for size in SIZES}
    ours_count = sum(isinstance(p, StackValidationPolicy) for p in POLICIES)
    with tempfile.TemporaryDirectory() as temp, ExitStack() as running:
        pack_dirs = {"no-op, 1 stack policy": noop_pack(Path(temp) / "one", 1),
                     f"no-op, {ours_count} stack policies": noop_pack(Path(temp) / "many", ours_count),
                     f"ours, {ours_count} stack policies": PACK_DIR}
        packs = {label: running.enter_context(PolicyPackServer(d)) for label, d in pack_dirs.items()}
        by_size = {size: time_analyze_stack(packs, resources) for size, resources in stacks.items()}
    results = {label: {size: by_size[size][label] for size in SIZES} for label in pack_dirs}
    small, large = SIZES
    print(f"AnalyzeStack over the analyzer protocol, best of {RUNS} runs")
    for label, timings in results.items():
        print(f"  {label:26} {small:>6} resources: {timings[small] * 1000:8.1f} ms   "
              f"{large:>6} resources: {timings[large] * 1000:8.1f} ms   "
              f"{large // small}x resources: {timings[large] / timings[small]:5.2f}x time (target <= 12x)")
    ours, *_ = (results[label] for label in results if label.startswith("ours"))
    noop_one, noop_many = (results[label] for label in results if label.startswith("no-op"))
    print(f"  ours / no-op with 1 stack policy at {large}: {ours[large] / noop_one[large]:.2f}x (target <= 1.5x)")
    print(f"  ours / no-op with {ours_count} stack policies at {large}: {ours[large] / noop_many[large]:.2f}x "
          f"(the cost of our policies' own code)")


if __name__ == "__main__":
    main()
