"""Benchmark ``ecr-replication status``: sequential versus the default thread pool.

50 repositories with 40 images each (2,000 images) in a moto server on 127.0.0.1; every API call waits a fixed
50 ms before it is sent (``DescribeImageReplicationStatus``, which moto lacks, is answered after the same
wait), like a real round trip. Prints the API calls the data needs and the calls made, wall time per pool size,
and the speed-up next to its floor (>= 10x, issue 15). A script, not a test.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import math
import sys
import time
from pathlib import Path

import boto3

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from local_aws import local_aws  # noqa: E402 (this folder, on sys.path as the script's own)
from replication.cli.options import DEFAULT_MAX_WORKERS  # noqa: E402

from replication.cli import status  # noqa: E402
from replication.cli.main import build_parser  # noqa: E402
from tests.cli.fakes import CallCounter, HookedSession, Latency, ReplicationStatuses, status as entry  # noqa: E402

SPEED_UP_FLOOR = 10.0
"""The speed-up of the default pool over one worker that issue 15 asks for, with latency on every call."""

PAGE = 100
"""Items per listing page when no maxResults is sent (ECR's default); moto returns every listing in one page."""

REGION, DESTINATIONS = "us-east-1", [("us-west-2", "222222222222"), ("eu-west-1", "333333333333")]


def seed(session: boto3.Session, repositories: int, images: int, statuses: ReplicationStatuses) -> None:
    """Create the repositories and images, and make every image COMPLETE in every destination."""
    ecr = session.client("ecr")
    ecr.put_replication_configuration(replicationConfiguration={"rules": [
        {"destinations": [{"region": r, "registryId": a} for r, a in DESTINATIONS]}]})
    for r in range(repositories):
        name = f"bench/service-{r:02d}"
        ecr.create_repository(repositoryName=name)
        for i in range(images):
            digest = f"sha256:{r * images + i + 1:064x}"
            manifest = {"schemaVersion": 2, "mediaType": "application/vnd.docker.distribution.manifest.v2+json", "layers": [],
                        "config": {"mediaType": "application/vnd.docker.container.image.v1+json", "size": 1, "digest": digest}}
            ecr.put_image(repositoryName=name, imageManifest=json.dumps(manifest), imageDigest=digest, imageTag=f"v{i}")
            statuses.set(name, digest, *(entry(region, account, "COMPLETE") for region, account in DESTINATIONS))


def measure(workers: int, images: int, statuses: ReplicationStatuses) -> tuple[float, dict[str, int]]:
    """Run ``status --latest images`` with ``workers`` threads; wall seconds and calls by operation."""
    counter = CallCounter()
    latency = Latency(statuses.latency)
    hooks = [counter.hook, statuses.hook, latency.hook]
    parser = build_parser(session_factory=lambda **kwargs: HookedSession(hooks, **kwargs))
    args = parser.parse_args(["status", "--latest", str(images), "--max-workers", str(workers)])
    started = time.perf_counter()
    with contextlib.redirect_stdout(io.StringIO()):
        code = status.run(args)
    elapsed = time.perf_counter() - started
    assert code == status.EXIT_COMPLETE, code
    return elapsed, counter.calls


def main() -> None:
    """Seed moto, run both pool sizes and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repositories", type=int, default=50)
    parser.add_argument("--images", type=int, default=40, help="images per repository")
    parser.add_argument("--latency", type=float, default=0.05, help="seconds added to every API call")
    given = parser.parse_args()
    with local_aws(REGION):
        statuses = ReplicationStatuses(latency=given.latency)
        seed(boto3.Session(region_name=REGION), given.repositories, given.images, statuses)
        total = given.repositories * given.images
        pages = math.ceil(given.repositories / PAGE), given.repositories * math.ceil(given.images / PAGE)
        needed = {"GetCallerIdentity": 1, "DescribeRegistry": 1, "DescribeRepositories": pages[0],
                  "DescribeImages": pages[1], "DescribeImageReplicationStatus": total}
        print(f"status over {given.repositories} repositories, {total} images, {len(DESTINATIONS)} destinations, "
              f"{given.latency * 1000:.0f} ms latency on every API call")
        print(f"API calls needed: {sum(needed.values())} ({total} DescribeImageReplicationStatus)")
        timings = {}
        for workers in (1, DEFAULT_MAX_WORKERS):
            elapsed, calls = measure(workers, given.images, statuses)
            timings[workers] = elapsed
            extra = {op: n - needed.get(op, 0) for op, n in calls.items() if n != needed.get(op, 0)}
            print(f"max_workers={workers:<3} wall {elapsed:7.2f} s  API calls made {sum(calls.values())}"
                  f"{'  (beyond need: ' + str(extra) + ')' if extra else ' (= needed)'}")
        speed_up = timings[1] / timings[DEFAULT_MAX_WORKERS]
        print(f"speed-up sequential / max_workers={DEFAULT_MAX_WORKERS}: {speed_up:.1f}x "
              f"(floor >= {SPEED_UP_FLOOR:.0f}x: {'met' if speed_up >= SPEED_UP_FLOOR else 'NOT MET'})")


if __name__ == "__main__":
    main()
