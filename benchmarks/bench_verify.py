"""Benchmark ``ecr-replication verify``: its own time per destination against the waiting replication imposes.

A moto server on 127.0.0.1 holds the source registry (one rule replicating ``prod/`` to N destination accounts);
:class:`tests.cli.fakes.FakeReplication` plays AWS, landing the canary in every destination after a simulated
delay; every API call the CLI makes costs a simulated round trip. Waiting runs on a virtual clock: ``sleep`` only
advances it, so the wall time of a run is verify's own work (its code and its API calls) plus the helper's copies,
which are timed apart and left out. Prints, per destination count: API calls, own time, own time per
destination, the waiting (virtual seconds), own time as a share of the total, and how far the measured arrival
lies after the real one (the resolution of the backoff). A script, not a test.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import sys
import time
from pathlib import Path
from typing import Any

import boto3

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from local_aws import local_aws  # noqa: E402 (this folder, on sys.path as the script's own)

from replication.cli import verify  # noqa: E402
from replication.cli.main import build_parser  # noqa: E402
from tests.cli.fakes import (CallCounter, ClientHook, Delivery, FakeReplication, HookedSession,  # noqa: E402
                             Latency, ReplicationStatuses)

REGION, DESTINATION_REGION = "us-east-1", "us-west-2"


class VirtualClock:
    """Real elapsed time plus the virtual seconds slept; sleeping advances replication and is timed apart."""

    def __init__(self, replication: FakeReplication) -> None:
        self.replication = replication
        self.slept = 0.0
        self.helper_seconds = 0.0
        self.started = time.perf_counter()

    def __call__(self) -> float:
        return time.perf_counter() - self.started + self.slept

    def sleep(self, seconds: float) -> None:
        self.slept += seconds
        began = time.perf_counter()
        self.replication.advance(self())
        self.helper_seconds += time.perf_counter() - began


class PushTime:
    """Records when the CLI's PutImage returned (what came before is setup: sessions, repository checks, push),
    and puts replication's clock at the push, where verify starts measuring arrival."""

    def __init__(self, clock: VirtualClock) -> None:
        self.clock = clock
        self.at: float | None = None

    def hook(self, service: str, client: Any) -> Any:
        client.meta.events.register("before-call.ecr.PutImage", self._pushing)
        client.meta.events.register("after-call.ecr.PutImage", self._pushed)
        return client

    def _pushing(self, **_: Any) -> None:
        self.clock.replication.now = self.clock()

    def _pushed(self, **_: Any) -> None:
        self.at = time.perf_counter()


def account_session(account: str, region: str, cache: dict[tuple[str, str], boto3.Session]) -> boto3.Session:
    """A session in another moto account through STS (the helper's own, cached: not the CLI's work)."""
    if (account, region) not in cache:
        issued = boto3.client("sts", region_name=REGION).assume_role(
            RoleArn=f"arn:aws:iam::{account}:role/admin", RoleSessionName="bench")["Credentials"]
        cache[(account, region)] = boto3.Session(
            aws_access_key_id=issued["AccessKeyId"], aws_secret_access_key=issued["SecretAccessKey"],
            aws_session_token=issued["SessionToken"], region_name=region)
    return cache[(account, region)]


def measure(count: int, delay: float, latency: float) -> dict[str, Any]:
    """One ``verify`` run against ``count`` destinations that receive the canary between ``delay / 2`` and
    ``1.5 * delay`` seconds after the push."""
    accounts = [f"{210000000000 + n}" for n in range(count)]
    boto3.client("ecr", region_name=REGION).put_replication_configuration(replicationConfiguration={"rules": [{
        "destinations": [{"region": DESTINATION_REGION, "registryId": a} for a in accounts],
        "repositoryFilters": [{"filter": "prod/", "filterType": "PREFIX_MATCH"}]}]})
    statuses = ReplicationStatuses(latency=latency)
    cache: dict[tuple[str, str], boto3.Session] = {}
    replication = FakeReplication(statuses, lambda a, r: account_session(a, r, cache))
    delays = {account: delay * (0.5 + n / count) for n, account in enumerate(accounts)}  # spread over delay ± 50 %
    for account in accounts:
        replication.deliver(account, DESTINATION_REGION, Delivery(after=delays[account]))
    counter = CallCounter()
    clock = VirtualClock(replication)
    pushed = PushTime(clock)
    hooks: list[ClientHook] = [counter.hook, Latency(latency).hook, pushed.hook, statuses.hook, replication.hook]
    parser = build_parser(session_factory=lambda **kwargs: HookedSession(hooks, **kwargs))
    roles = [option for a in accounts for option in ("--destination-role-arn", f"{a}=arn:aws:iam::{a}:role/verify")]
    args = parser.parse_args(["verify", *roles, "--json"])
    with contextlib.redirect_stdout(io.StringIO()) as out, contextlib.redirect_stderr(io.StringIO()):
        code = verify.run(args, clock=clock, sleep=clock.sleep)
    assert code == verify.EXIT_VERIFIED, (code, out.getvalue()[-2000:])
    own = time.perf_counter() - clock.started - clock.helper_seconds
    assert pushed.at is not None
    setup = pushed.at - clock.started
    late = [d["arrivalSeconds"] - delays[d["registryId"]] for d in json.loads(out.getvalue())["canaries"][0]["destinations"]]
    return {"calls": counter.calls, "own": own, "setup": setup, "waited": clock.slept, "late": late}


def main() -> None:
    """Start moto, run verify for each destination count, print the figures."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--destinations", type=int, nargs="+", default=[1, 5, 25])
    parser.add_argument("--delay", type=float, default=60.0, help="simulated replication delay in seconds")
    parser.add_argument("--latency", type=float, default=0.05, help="simulated seconds per API call")
    given = parser.parse_args()
    with local_aws(REGION):
        print(f"verify: canary pushed to prod/, replication lands {given.delay / 2:.0f}-{given.delay * 1.5:.0f} s "
              f"after the push (simulated), {given.latency * 1000:.0f} ms per API call (simulated)")
        print(f"{'destinations':>12} {'API calls':>9} {'own time':>9} {'per dest.':>9} {'of it, to push':>14} "
              f"{'waiting':>8} {'own share':>9} {'arrival measured late by (mean / max)':>38}")
        for count in given.destinations:
            figures = measure(count, given.delay, given.latency)
            calls = sum(figures["calls"].values())
            share = figures["own"] / (figures["own"] + figures["waited"])
            print(f"{count:>12} {calls:>9} {figures['own']:>8.2f}s {figures['own'] / count:>8.3f}s "
                  f"{figures['setup']:>13.2f}s {figures['waited']:>7.0f}s {share:>8.1%} "
                  f"{sum(figures['late']) / count:>29.1f}s / {max(figures['late']):.1f}s")
            per_operation = ", ".join(f"{op} {n}" for op, n in sorted(figures["calls"].items()))
            print(f"{'':>12} calls: {per_operation}")


if __name__ == "__main__":
    main()
