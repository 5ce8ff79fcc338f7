"""The live commands on a faulty network: one scenario per command, run once without faults for its verdict, then
again with :class:`tests.cli.faults.FaultyAws` between the CLI and AWS, each run judged against that verdict.

A run with faults may end with the same verdict, or a weaker honest one: "not checked" / "not verified" (exit 3)
for what it could not read, or an AWS error (exit 2, one ``error:`` line); never a different verdict (a healthy,
verified, complete or written where the faultless run said otherwise, or a finding, failure or refusal it did not
make), never a traceback or an ``internal error:`` line, and ``import`` leaves the stack file as it was or writes
the whole of it.

AWS's part is played as each command's own tests play it, only from behind the proxy: moto for what it
implements, and the doubles of :mod:`tests.cli.fakes` for what it lacks (replication statuses, replication itself,
creation templates, backfills), so every call of a run can meet a fault. botocore retries as it does for users
(standard mode, ``AWS_MAX_ATTEMPTS`` unset: 3 attempts), with its backoff shortened
(:func:`tests.cli.faults.retries_without_long_waits`) to keep runs short.

Shared by ``tests/cli/test_cli_faults.py`` (a few seeded runs per command) and ``benchmarks/bench_faults.py`` (many).
"""

from __future__ import annotations

import contextlib
import functools
import importlib
import io
import json
import os
import shutil
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3
import botocore.session
from botocore.loaders import Loader, create_loader

from replication.cli.main import main
from tests.cli.conftest import DEST_A, DEST_B, REGION, SOURCE, Registry, reset_moto
from tests.cli.fakes import CreationTemplates, Delivery, FakeBackfills, FakeReplication, ReplicationStatuses
from tests.cli.fakes import status as entry
from tests.cli.faults import Caller, FaultRates, FaultyAws, Observer, StandIn, retries_without_long_waits
from tests.cli.test_cli_check import allow, policy, service_linked_role
from tests.cli.test_cli_import import CONSOLE_GRANT, CONSOLE_RULE, OTHER_GRANT, template
from tests.cli.test_cli_verify import AS_DECLARED, DECLARED, PUSHED_AT, Clock, plan

WEST, EU = "us-west-2", "eu-west-1"
ROOT = Path(__file__).resolve().parents[2]

FLAKY = FaultRates(server_error=0.06, throttled=0.06, dropped_before=0.06, dropped_after=0.06)
"""A quarter of all calls faulted, the four kinds alike: with three attempts a call still fails about once in 70, so
most runs of a few dozen calls reach their verdict, retried, and some end in an AWS error or an unread registry."""

STORM = FaultRates(server_error=0.15, throttled=0.15, dropped_before=0.15, dropped_after=0.15)
"""60% of all calls faulted: a call fails for good about once in five, so most runs take the paths of calls that
fail (an AWS error, a registry not read or not verified)."""


def rates_for(seed: int) -> FaultRates:
    """Even seeds run on a flaky network, odd ones in a storm."""
    return FLAKY if seed % 2 == 0 else STORM


@dataclass
class Outcome:
    """One run of a command: its exit code, what it printed, what it left, and the faults it met."""

    command: str
    seed: int | None
    code: int
    out: str
    err: str
    injected: Counter[str]
    requests: int
    document: Any = None
    """stdout as JSON, when it is."""
    left: dict[str, Any] = field(default_factory=dict)
    """What the scenario reads after the run (files, the doubles' state)."""

    @property
    def error_line(self) -> str:
        """The last line on stderr."""
        lines = self.err.strip().splitlines()
        return lines[-1] if lines else ""

    def __str__(self) -> str:
        """Everything about the run, for an assertion message."""
        return (f"{self.command} seed {self.seed}: exit {self.code}, faults {dict(self.injected)} of {self.requests} "
                f"requests\n--- stdout\n{self.out}\n--- stderr\n{self.err}\n--- left\n{self.left}")


@dataclass
class Setup:
    """What a scenario arranged for one run: the command line, AWS's doubles behind the proxy, and what the
    command's ``run`` is given besides (a test clock)."""

    argv: list[str]
    stand_ins: dict[str, StandIn] = field(default_factory=dict)
    observers: dict[str, Observer] = field(default_factory=dict)
    run_with: dict[str, Any] = field(default_factory=dict)
    after: Callable[[], dict[str, Any]] = dict
    """Reads what the run left (called once it has ended)."""


class Scenario:
    """A command against one live setup; subclasses arrange it and judge a run against the faultless one."""

    command = ""
    module = ""
    """The ``replication.cli`` module whose ``run`` the command calls."""

    @property
    def name(self) -> str:
        """The scenario's name (:data:`SCENARIOS`): its command's, unless a command has several scenarios."""
        return self.command

    def arrange(self, registry: Registry, moto: str, workdir: Path) -> Setup:
        """Set up moto (fresh) and the doubles for one run; ``workdir`` is an empty folder of its own."""
        raise NotImplementedError

    def judge(self, baseline: Outcome, run: Outcome) -> list[str]:
        """What is wrong with ``run`` given the faultless ``baseline`` (nothing: an acceptable outcome)."""
        problems = [f"printed {word!r}" for word in ("Traceback", "internal error") if word in run.err + run.out]
        if run.code == 2:
            if not run.error_line.startswith(f"ecr-replication {self.command}: error: "):
                problems.append("exit 2 without an error line")
            return problems
        if run.code not in (baseline.code, 3):
            problems.append(f"exit {run.code} where the faultless run exits {baseline.code}")
        return problems + self.judge_verdict(baseline, run)

    def judge_verdict(self, baseline: Outcome, run: Outcome) -> list[str]:
        """What is wrong with a verdict (exit 0, 1 or 3) given the baseline's."""
        raise NotImplementedError

    def verdict(self, outcome: Outcome) -> Any:
        """The part of a run's report that is its verdict."""
        raise NotImplementedError

    def same_verdict(self, baseline: Outcome, run: Outcome) -> bool:
        """Whether ``run`` reached exactly the faultless verdict (not a weaker one)."""
        return run.code == baseline.code and run.document is not None and self.verdict(run) == self.verdict(baseline)


@functools.cache
def _loader() -> Loader:
    """One botocore data loader for the scenarios' own sessions: botocore's models are parsed once, not per session."""
    return create_loader()


def own_session(**kwargs: Any) -> boto3.Session:
    """A boto3 session for a scenario's own calls (``kwargs`` as ``boto3.Session`` takes them)."""
    core = botocore.session.Session()
    core.register_component("data_loader", _loader())
    return boto3.Session(botocore_session=core, **kwargs)


def direct_session(moto: str, account: str, region: str) -> Any:
    """Credentials of ``account`` whose clients go straight to moto, past the proxy: what a scenario arranges, or a
    double does as AWS, is no call of the CLI's, so it meets no fault."""
    issued = own_session().client("sts", region_name=region, endpoint_url=moto).assume_role(
        RoleArn=f"arn:aws:iam::{account}:role/admin", RoleSessionName="double")["Credentials"]
    session = own_session(aws_access_key_id=issued["AccessKeyId"], aws_secret_access_key=issued["SecretAccessKey"],
                           aws_session_token=issued["SessionToken"], region_name=region)

    class Direct:
        """The session, its clients pinned to moto."""

        def client(self, service: str) -> Any:
            """A client of ``service`` in the session's region, straight to moto."""
            return session.client(service, endpoint_url=moto)

    return Direct()


def registry_policy(moto: str, account: str, *statements: dict[str, Any]) -> None:
    """Put a registry policy in ``account``'s registry in us-west-2."""
    direct_session(moto, account, WEST).client("ecr").put_registry_policy(policyText=policy(*statements))


def no_permission_advised(unread: list[dict[str, str]]) -> list[str]:
    """A fault is no missing permission: what was not read for one (``where``, ``fix``) must not be fixed by allowing
    an action."""
    return [f"a permission advised for a fault: {item}" for item in unread if item["fix"].startswith("allow ")]


def roles(*accounts: str) -> list[str]:
    """``--destination-role-arn`` for each account, a role in that account."""
    return [option for account in accounts
            for option in ("--destination-role-arn", f"{account}=arn:aws:iam::{account}:role/reader")]


def ignoring_caller(answer: Callable[[Mapping[str, Any]], dict[str, Any]]) -> StandIn:
    """A stand-in for a double that answers the source registry whoever asks."""
    return lambda _caller, params: answer(params)


class Status(Scenario):
    """``status --latest 2 --json`` over two repositories to two destinations: one image FAILED in one destination,
    one IN_PROGRESS, the rest COMPLETE (exit 1)."""

    command = module = "status"

    def arrange(self, registry: Registry, moto: str, workdir: Path) -> Setup:
        registry.replicate([(WEST, DEST_A), (EU, DEST_B)], ["prod"])
        statuses = ReplicationStatuses()
        done = [entry(WEST, DEST_A, "COMPLETE"), entry(EU, DEST_B, "COMPLETE")]
        for repository in ("prod/api", "prod/web"):
            for tag in ("v1", "v2"):
                statuses.set(repository, registry.push(repository, tag), *done)
        statuses.set("prod/web", registry.push("prod/web", "v3"), entry(WEST, DEST_A, "COMPLETE"),
                     entry(EU, DEST_B, "FAILED", "REPLICATION_PERMISSION_DENIED"))
        statuses.set("prod/api", registry.push("prod/api", "v3"), entry(WEST, DEST_A, "IN_PROGRESS"))
        return Setup(["status", "--latest", "2", "--json"], {statuses.OPERATION: ignoring_caller(statuses.answer)})

    def verdict(self, outcome: Outcome) -> Any:
        """Every image in every destination."""
        return outcome.document

    def judge_verdict(self, baseline: Outcome, run: Outcome) -> list[str]:
        """Every image in every destination as the faultless run saw it: status has no "not checked"."""
        return [] if self.same_verdict(baseline, run) else ["a status differs from the faultless run's"]


class Progress:
    """Replication under way, as ``DescribeImageReplicationStatus`` reports it: the command's clock moves only when it
    sleeps, and at each time given the statuses set for it take effect."""

    def __init__(self, statuses: ReplicationStatuses) -> None:
        self.statuses = statuses
        self.now = 0.0
        self.steps: list[tuple[float, str, str, list[dict[str, str]]]] = []

    def at(self, seconds: float, repository: str, digest: str, *entries: dict[str, str]) -> None:
        """From ``seconds`` on, AWS reports ``entries`` for the image."""
        self.steps.append((seconds, repository, digest, list(entries)))

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        """Let ``seconds`` pass, and replication with them."""
        self.now += seconds
        for at, repository, digest, entries in self.steps:
            if at <= self.now:
                self.statuses.set(repository, digest, *entries)


class StatusWait(Scenario):
    """``status --latest 2 --wait --json`` while replication is under way: two images IN_PROGRESS in some
    destination turn COMPLETE after 5 and 15 seconds (checks at 0, 5, 15 s), the others are COMPLETE (exit 0)."""

    command = module = "status"
    name = "status-wait"  # type: ignore[assignment]  (a plain name where the base class derives it)

    def arrange(self, registry: Registry, moto: str, workdir: Path) -> Setup:
        registry.replicate([(WEST, DEST_A), (EU, DEST_B)], ["prod"])
        statuses = ReplicationStatuses()
        progress = Progress(statuses)
        done = [entry(WEST, DEST_A, "COMPLETE"), entry(EU, DEST_B, "COMPLETE")]
        for repository in ("prod/api", "prod/web"):
            statuses.set(repository, registry.push(repository, "v1"), *done)
        api, web = registry.push("prod/api", "v2"), registry.push("prod/web", "v2")
        statuses.set("prod/api", api, entry(WEST, DEST_A, "IN_PROGRESS"), entry(EU, DEST_B, "IN_PROGRESS"))
        statuses.set("prod/web", web, entry(WEST, DEST_A, "IN_PROGRESS"), entry(EU, DEST_B, "COMPLETE"))
        progress.at(5, "prod/api", api, entry(WEST, DEST_A, "COMPLETE"), entry(EU, DEST_B, "IN_PROGRESS"))
        progress.at(15, "prod/api", api, *done)
        progress.at(15, "prod/web", web, *done)
        return Setup(["status", "--latest", "2", "--wait", "--timeout", "10m", "--json"],
                     {statuses.OPERATION: ignoring_caller(statuses.answer)},
                     run_with={"clock": progress, "sleep": progress.sleep})

    def verdict(self, outcome: Outcome) -> Any:
        """Every image in every destination."""
        return outcome.document

    def judge_verdict(self, baseline: Outcome, run: Outcome) -> list[str]:
        """Every image as the faultless run saw it, or, when the checks AWS failed ran into the timeout, pending: each
        destination as the faultless run saw it or still IN_PROGRESS."""
        if self.same_verdict(baseline, run):
            return []
        if run.code != 3 or run.document is None or run.document["result"] != "PENDING":
            return ["a status differs from the faultless run's"]
        seen = {(i["imageDigest"], d["registryId"], d["region"]): d["status"]
                for i in baseline.document["images"] for d in i["destinations"]}
        return [f"{i['repositoryName']} in {d['registryId']}/{d['region']} is {d['status']}"
                for i in run.document["images"] for d in i["destinations"]
                if d["status"] not in (seen.get((i["imageDigest"], d["registryId"], d["region"])), "IN_PROGRESS")]


class Check(Scenario):
    """``check`` of a live setup as expected, whose DEST_B registry policy lacks ``ecr:CreateRepository`` (one
    finding, exit 1), DEST_A's is right."""

    command = module = "check"
    EXPECTED = {"rules": [{"destinations": [{"region": WEST, "registryId": DEST_A},
                                            {"region": WEST, "registryId": DEST_B},
                                            {"region": EU, "registryId": SOURCE}],
                           "repositoryFilters": [{"filter": "prod/", "filterType": "PREFIX_MATCH"}]}]}

    def arrange(self, registry: Registry, moto: str, workdir: Path) -> Setup:
        registry.ecr.put_replication_configuration(replicationConfiguration=self.EXPECTED)
        service_linked_role(registry)
        both = ["ecr:ReplicateImage", "ecr:CreateRepository"]
        registry_policy(moto, DEST_A, allow(f"arn:aws:ecr:{WEST}:{DEST_A}:repository/prod/*", both))
        registry_policy(moto, DEST_B, allow(f"arn:aws:ecr:{WEST}:{DEST_B}:repository/prod/*", ["ecr:ReplicateImage"]))
        expected = workdir / "expected.json"
        expected.write_text(json.dumps({"replicationConfiguration": self.EXPECTED, "sourceRegistryId": SOURCE,
                                        "sourceRegion": REGION}))
        return Setup(["check", "--expected", str(expected), "--json", *roles(DEST_A, DEST_B)])

    def verdict(self, outcome: Outcome) -> Any:
        """The findings, what was not checked, and whether healthy."""
        return outcome.document

    def judge_verdict(self, baseline: Outcome, run: Outcome) -> list[str]:
        """Only findings the faultless run made, healthy only if it is; what a fault left unread is not blamed on a
        permission."""
        findings = {(f["where"], f["problem"]) for f in baseline.document["findings"]}
        problems = [f"finding the faultless run does not make: {f}" for f in run.document["findings"]
                    if (f["where"], f["problem"]) not in findings]
        problems += no_permission_advised(run.document["notChecked"])
        if run.document["healthy"] and not baseline.document["healthy"]:
            problems.append("healthy where the faultless run is not")
        return problems


class Verify(Scenario):
    """``verify --expected``: the canary lands in DEST_A with the declared settings (verified), replication to DEST_B
    FAILS (exit 1)."""

    command = module = "verify"

    def arrange(self, registry: Registry, moto: str, workdir: Path) -> Setup:
        registry.replicate([(WEST, DEST_A), (EU, DEST_B)], ["prod/"])
        statuses = ReplicationStatuses()
        replication = FakeReplication(statuses, functools.partial(direct_session, moto))
        replication.deliver(DEST_A, WEST, Delivery(after=3, repository=AS_DECLARED))
        replication.deliver(DEST_B, EU, Delivery(after=3, failure_code="REPLICATION_PERMISSION_DENIED"))
        clock = Clock(replication)
        expected = plan(workdir / "plan.json", DECLARED)
        return Setup(["verify", "--expected", str(expected), "--timeout", "5m", "--json", *roles(DEST_A, DEST_B)],
                     {statuses.OPERATION: ignoring_caller(statuses.answer)},
                     {"PutImage": lambda _caller, _params, answer: replication.pushed(answer["image"])},
                     {"clock": clock, "sleep": clock.sleep, "now": lambda: PUSHED_AT},
                     lambda: {"pushed": len(replication.pushes)})

    def judge(self, baseline: Outcome, run: Outcome) -> list[str]:
        """Besides the verdict: a run that stops with an error after AWS took the canary says where it may remain."""
        problems = super().judge(baseline, run)
        if run.code == 2 and run.left["pushed"] and "the canary may remain in" not in run.err:
            problems.append("stopped after pushing the canary without saying where it may remain")
        return problems

    def verdict(self, outcome: Outcome) -> dict[str, str]:
        """Each destination's result."""
        return {d["registry"]: d["result"] for c in outcome.document["canaries"] for d in c["destinations"]}

    def judge_verdict(self, baseline: Outcome, run: Outcome) -> list[str]:
        """Each destination as verified or failed as in the faultless run, or not verified, and not for want of a
        permission."""
        expected = self.verdict(baseline)
        unverified = [{"where": d["registry"], "fix": d["fix"] or ""} for c in run.document["canaries"]
                      for d in c["destinations"] if d["result"] == "NOT_VERIFIED"]
        return [f"{registry} {result} where the faultless run says {expected.get(registry)}"
                for registry, result in self.verdict(run).items()
                if result not in (expected.get(registry), "NOT_VERIFIED")] + no_permission_advised(unverified)


class Backfill(Scenario):
    """``backfill --json`` to three destinations (two in one region, so one waits); one image fails in DEST_B
    (exit 1)."""

    command = module = "backfill"

    def arrange(self, registry: Registry, moto: str, workdir: Path) -> Setup:
        destinations = [(WEST, DEST_A), (WEST, DEST_B), (EU, DEST_A)]
        registry.replicate(destinations, ["prod"])
        backfills = FakeBackfills(SOURCE, [(account, region) for region, account in destinations],
                                  [("prod/api", "v1"), ("prod/web", "v1")],
                                  {(DEST_B, WEST): {("prod/web", "v1"): "REPLICATION_DENIED"}})
        return Setup(["backfill", "--json"],
                     {name: ignoring_caller(answer) for name, answer in backfills.operations().items()},
                     run_with={"sleep": backfills.advance, "interactive": False},
                     after=lambda: {"started": list(backfills.started)})

    def judge(self, baseline: Outcome, run: Outcome) -> list[str]:
        """Besides the verdict: one backfill per destination, however its start went."""
        started = Counter(run.left["started"])
        twice = [f"backfill started {n} times for {d}" for d, n in started.items() if n > 1]
        return super().judge(baseline, run) + twice

    def verdict(self, outcome: Outcome) -> Any:
        """Every backfill's result and every image's."""
        document = outcome.document
        return ([(b["destination"], b["result"]) for b in document["backfills"]],
                [(r["destination"], r["repositoryName"], r["imageId"], r["status"], r.get("failureCode"))
                 for r in document["results"]])

    def judge_verdict(self, baseline: Outcome, run: Outcome) -> list[str]:
        """Every backfill's result and every image's, as in the faultless run (backfill has no "not checked")."""
        return [] if self.same_verdict(baseline, run) else ["results differ from the faultless run's"]


STACK_FILE = "Pulumi.adopted.yaml"
"""The stack file ``import --stack adopted`` replaces."""


class Import(Scenario):
    """``import --force`` of the console setup (with creation templates and scan on push in DEST_A) over a stale
    stack file: written (exit 0)."""

    command, module = "import", "import_stack"
    STALE = f'config:\n  ecr-replication:source:\n    accountId: "{SOURCE}"\n    region: {REGION}\n    profile: ci\n'

    def arrange(self, registry: Registry, moto: str, workdir: Path) -> Setup:
        registry.ecr.put_replication_configuration(replicationConfiguration={"rules": [CONSOLE_RULE]})
        registry_policy(moto, DEST_A, CONSOLE_GRANT, OTHER_GRANT)
        service_linked_role(registry)
        direct_session(moto, DEST_A, WEST).client("ecr").put_registry_scanning_configuration(
            scanType="BASIC", rules=[{"scanFrequency": "SCAN_ON_PUSH", "repositoryFilters": [
                {"filter": "prod/*", "filterType": "WILDCARD"}, {"filter": "shared/*", "filterType": "WILDCARD"}]}])
        templates = CreationTemplates({(DEST_A, WEST): [
            template("prod", ["REPLICATION"]), template("shared", ["REPLICATION"]),
            template("ROOT", ["CREATE_ON_PUSH"], imageTagMutability="MUTABLE")]})
        project = workdir / "project"
        project.mkdir()
        for name in ("Pulumi.yaml", "__main__.py"):
            shutil.copy(ROOT / name, project / name)
        stack_file = project / STACK_FILE
        stack_file.write_text(self.STALE)

        def registry_of(caller: Caller, params: dict[str, Any]) -> dict[str, Any]:
            return templates.answer((caller.account_id or "", caller.region), params)

        def left() -> dict[str, Any]:
            return {"stackFile": stack_file.read_text() if stack_file.exists() else None,
                    "files": sorted(p.name for p in project.iterdir() if p.name != "__pycache__")}

        return Setup(["import", "--stack", "adopted", "--cwd", str(project), "--force", "--json", *roles(DEST_A)],
                     {templates.OPERATION: registry_of}, after=left)

    def judge(self, baseline: Outcome, run: Outcome) -> list[str]:
        """Besides the verdict: the stack file is the stale one or the whole new one, and nothing else is left but,
        where it was replaced, the copy of the stale one (``Pulumi.adopted.yaml.bak``)."""
        problems = super().judge(baseline, run)
        written = run.code == 0
        files = baseline.left["files"] if written else [f for f in baseline.left["files"] if f != f"{STACK_FILE}.bak"]
        if run.left["files"] != files:
            problems.append(f"files left: {run.left['files']}")
        if run.left["stackFile"] != (baseline.left["stackFile"] if written else self.STALE):
            problems.append("the stack file is neither the stale one nor the one the faultless run writes"
                            if run.left["stackFile"] not in (self.STALE, baseline.left["stackFile"])
                            else f"the stack file {'is not' if written else 'was'} replaced with exit {run.code}")
        return problems

    REPORTED = ("written", "refused", "resources", "toAdd", "notes", "created")
    """What the report says was done (``read`` and ``notRead`` say what was read)."""

    def verdict(self, outcome: Outcome) -> Any:
        """What was written and adopted, and the stack file left."""
        return {key: outcome.document[key] for key in self.REPORTED}, outcome.left["stackFile"]

    def judge_verdict(self, baseline: Outcome, run: Outcome) -> list[str]:
        """Written as the faultless run writes it, or not read (nothing written): never refused for a fault."""
        if run.code == 3:
            problems = [] if run.document["notRead"] and not run.document["written"] else ["exit 3 with nothing unread"]
            return problems + no_permission_advised(run.document["notRead"])
        return [f"{key} differs from the faultless run's" for key in self.REPORTED
                if run.document[key] != baseline.document[key]]


SCENARIOS: dict[str, Scenario] = {s.name: s for s in (Status(), StatusWait(), Check(), Verify(), Backfill(), Import())}
"""One scenario per live command, by name; ``status`` has a second one for ``--wait``."""


@contextlib.contextmanager
def through(endpoint: str) -> Iterator[None]:
    """The CLI's calls go to ``endpoint`` with botocore's standard retries (3 attempts), backoff shortened."""
    names = ("AWS_ENDPOINT_URL", "AWS_RETRY_MODE", "AWS_MAX_ATTEMPTS")
    saved = {name: os.environ.get(name) for name in names}
    os.environ.update(AWS_ENDPOINT_URL=endpoint, AWS_RETRY_MODE="standard")
    os.environ.pop("AWS_MAX_ATTEMPTS", None)
    try:
        with retries_without_long_waits():
            yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


@contextlib.contextmanager
def run_given(module: str, extra: Mapping[str, Any]) -> Iterator[None]:
    """The command's ``run`` called with ``extra`` (a test clock) when ``main`` runs it."""
    command = importlib.import_module(f"replication.cli.{module}")
    original = command.run
    command.run = functools.partial(original, **extra)
    try:
        yield
    finally:
        command.run = original


def run(scenario: Scenario, moto: str, workdir: Path, seed: int | None) -> Outcome:
    """Arrange ``scenario`` on a fresh moto and run its command through a proxy faulting as ``seed`` draws
    (:func:`rates_for`; ``None``: no faults), as the console script runs it."""
    reset_moto(moto)
    setup = scenario.arrange(Registry(own_session(region_name=REGION)), moto, workdir)
    out, err = io.StringIO(), io.StringIO()
    with FaultyAws(moto, seed, rates_for(seed or 0), setup.stand_ins, setup.observers,
                   {os.environ["AWS_ACCESS_KEY_ID"]: SOURCE}) as proxy:
        with through(proxy.endpoint), run_given(scenario.module, setup.run_with), \
                contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main(setup.argv)
    try:
        document = json.loads(out.getvalue())
    except ValueError:
        document = None
    return Outcome(scenario.command, seed, code, out.getvalue(), err.getvalue(), proxy.injected, proxy.requests,
                   document, setup.after())
