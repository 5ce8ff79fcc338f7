"""The built wheel, installed into a fresh virtualenv, carries the policy pack: `ecr-replication plan` works in a
project in another folder, the installed pack runs the way the Pulumi CLI runs a pack, and the public imports
and the console script are those of the checkout.

The wheel is built offline (`pip wheel --no-build-isolation --no-index`, with the test extra's setuptools) from a
copy of the sources, and installed with `--no-deps`; its dependencies come from this test run's virtualenv
through a `.pth` file, so nothing is downloaded.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import sysconfig
import tomllib
import urllib.request
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import boto3
import pytest

import replication
from replication.preview.analyzer import PolicyPackServer
from tests.policies.policy_stacks import guarded_stack

ROOT = Path(__file__).resolve().parents[2]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())
SOURCES = ("pyproject.toml", "README.md", "replication", "policies")
"""What the build reads (pyproject's packages, package-dir and readme)."""


@dataclass(frozen=True)
class Installed:
    """A virtualenv with only the built wheel installed (dependencies reached through a .pth file)."""

    venv: Path

    @property
    def python(self) -> Path:
        """The virtualenv's interpreter."""
        return self.venv / "bin" / "python"

    def run(self, *argv: str | Path, cwd: Path, env: Mapping[str, str] | None = None) -> subprocess.CompletedProcess[str]:
        """Run a command of the virtualenv, with no trace of the checkout in its environment (plus ``env``)."""
        environment = {key: value for key, value in os.environ.items() if key not in ("PYTHONPATH", "VIRTUAL_ENV")}
        return subprocess.run([str(arg) for arg in argv], cwd=cwd, env={**environment, **(env or {})},
                              capture_output=True, text=True, timeout=300)

    def python_says(self, code: str, cwd: Path) -> str:
        """What `code` prints in the virtualenv's interpreter."""
        result = self.run(self.python, "-c", code, cwd=cwd)
        assert result.returncode == 0, result.stderr
        return result.stdout.strip()


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Installed]:
    """The wheel built from a copy of the sources and installed into a fresh virtualenv."""
    work = tmp_path_factory.mktemp("wheel")
    source = work / "source"
    source.mkdir()
    for name in SOURCES:
        if (ROOT / name).is_dir():
            shutil.copytree(ROOT / name, source / name, ignore=shutil.ignore_patterns("__pycache__", "venv"))
        else:
            shutil.copy(ROOT / name, source / name)
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "--quiet"]
    subprocess.run([*pip, "wheel", "--no-deps", "--no-build-isolation", "--no-index", "--wheel-dir",
                    str(work / "dist"), str(source)], check=True, timeout=300)
    [wheel] = (work / "dist").glob("*.whl")
    venv = work / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=300)
    subprocess.run([*pip, "--python", str(venv / "bin" / "python"), "install", "--no-deps", "--no-index",
                    str(wheel)], check=True, timeout=300)
    site_packages = subprocess.run([str(venv / "bin" / "python"), "-c", "import sysconfig; print(sysconfig."
                                    "get_paths()['purelib'])"], check=True, capture_output=True, text=True)
    # After the install, so pip never saw this run's editable install of the package.
    (Path(site_packages.stdout.strip()) / "dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    yield Installed(venv)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A Pulumi project in a folder of its own: a copy of the bundled stack, and no policies/ folder."""
    for name in ("Pulumi.yaml", "Pulumi.dev.yaml", "__main__.py"):
        shutil.copy(ROOT / name, tmp_path / name)
    return tmp_path


def test_the_package_list_covers_every_package_of_the_tree() -> None:
    tree = {".".join(init.parent.relative_to(ROOT).parts) for init in (ROOT / "replication").rglob("__init__.py")}
    pack = {".".join(("replication", "policy_pack", *init.parent.relative_to(ROOT / "policies").parts))
            for init in (ROOT / "policies").rglob("__init__.py")}
    assert PYPROJECT["tool"]["setuptools"]["package-dir"] == {"replication.policy_pack": "policies"}
    assert set(PYPROJECT["tool"]["setuptools"]["packages"]) == tree | pack


def test_the_wheel_requires_the_pulumi_policy_versions_the_pack_was_tested_with() -> None:
    def pulumi_policy(lines: list[str]) -> str:
        [line] = [line for line in lines if re.match(r"pulumi-policy\b", line)]
        return line.replace(" ", "")

    requirements = (ROOT / "policies" / "requirements.txt").read_text().splitlines()
    assert pulumi_policy(PYPROJECT["project"]["dependencies"]) == pulumi_policy(requirements)


def test_plan_runs_the_guardrails_in_a_project_elsewhere(installed: Installed, project: Path) -> None:
    result = installed.run(installed.venv / "bin" / "ecr-replication", "plan", "--stack", "dev", "--json",
                           cwd=project)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["stack"] == "dev" and report["registries"]
    assert {d["policy"] for d in report["diagnostics"]} == {"ecr-replicated-repositories-hardened"}


def test_the_installed_code_is_the_wheel_s(installed: Installed, project: Path) -> None:
    located = installed.python_says("import replication, replication.policy_pack.ecr_guardrails as g; "
                                    "print(replication.__file__, g.__file__)", cwd=project)
    assert all(Path(path).is_relative_to(installed.venv) for path in located.split())


def test_the_installed_pack_runs_as_the_cli_runs_a_pack(installed: Installed, project: Path) -> None:
    pack_dir = Path(installed.python_says("from replication.preview.analyzer import bundled_pack_dir; "
                                          "print(bundled_pack_dir())", cwd=project))
    assert pack_dir.is_relative_to(installed.venv)
    assert {path.name for path in pack_dir.iterdir()} >= {"PulumiPolicy.yaml", "requirements.txt", "__main__.py"}
    with PolicyPackServer(pack_dir, python=str(installed.python)) as pack:
        assert pack.info is not None and pack.info.name == "ecr-replication-guardrails"
        assert pack.preview(guarded_stack()) == []
        assert pack.stderr() == ""  # on the fast path: no fallback notice


def test_the_public_imports_and_the_console_script_are_the_checkout_s(installed: Installed, project: Path) -> None:
    exported = installed.python_says("import json, replication; from replication import *; "
                                     "print(json.dumps(replication.__all__))", cwd=project)
    assert json.loads(exported) == replication.__all__
    assert PYPROJECT["project"]["scripts"] == {"ecr-replication": "replication.cli.main:main"}
    help_text = installed.run(installed.venv / "bin" / "ecr-replication", "--help", cwd=project)
    assert help_text.returncode == 0 and "plan" in help_text.stdout


NO_TEMPLATES_DRIVER = '''"""`ecr-replication` as its console script runs it, with ECR's DescribeRepositoryCreationTemplates answered
on every ECR client: moto has no creation templates. The answer stands for a registry without templates (ECR API
reference, DescribeRepositoryCreationTemplates: without `prefixes`, every template of the registry) and is validated
against botocore's ECR model, as botocore's Stubber validates its responses."""
import sys

import boto3
from botocore.awsrequest import AWSResponse
from botocore.validate import validate_parameters

from replication.cli.main import main


def no_templates(model, **_):
    body = {"repositoryCreationTemplates": []}
    validate_parameters(body, model.output_shape)
    return AWSResponse(None, 200, {}, None), body


class Session(boto3.Session):
    def client(self, service_name, *args, **kwargs):
        client = super().client(service_name, *args, **kwargs)
        if service_name == "ecr":
            client.meta.events.register("before-call.ecr.DescribeRepositoryCreationTemplates", no_templates)
        return client


sys.exit(main(sys.argv[1:], session_factory=Session))
'''

MOTO_ACCOUNT = "123456789012"
"""moto's default account: the source registry's."""


def test_import_creates_a_project_in_an_empty_folder_and_it_plans(installed: Installed, moto_endpoint: str,
                                                                  tmp_path: Path) -> None:
    """A pip-installed user has no copy of the repository's program: `import` in an empty folder writes the
    project (Pulumi.yaml, a __main__.py running the installed package's program) with the stack file, and the
    installed `plan` declares exactly the live rule there."""
    urllib.request.urlopen(urllib.request.Request(f"{moto_endpoint}/moto-api/reset", method="POST")).close()
    env = {"AWS_ENDPOINT_URL": moto_endpoint, "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
           "AWS_DEFAULT_REGION": "us-east-1", "AWS_CONFIG_FILE": "/nonexistent",
           "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent"}
    rule = {"destinations": [{"region": "eu-west-1", "registryId": MOTO_ACCOUNT}],
            "repositoryFilters": [{"filter": "prod/", "filterType": "PREFIX_MATCH"}]}
    ecr = boto3.client("ecr", region_name="us-east-1", endpoint_url=moto_endpoint, aws_access_key_id="testing",
                       aws_secret_access_key="testing")
    ecr.put_replication_configuration(replicationConfiguration={"rules": [rule]})
    driver = tmp_path / "ecr_replication_cli.py"
    driver.write_text(NO_TEMPLATES_DRIVER)
    folder = tmp_path / "adopted"
    result = installed.run(installed.python, driver, "import", "--stack", "adopted", "--cwd", folder, cwd=tmp_path,
                           env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"Created {folder / 'Pulumi.yaml'} and {folder / '__main__.py'}" in result.stdout
    planned = installed.run(installed.venv / "bin" / "ecr-replication", "plan", "--stack", "adopted", "--json",
                            cwd=folder)
    assert planned.returncode == 0, planned.stderr
    report = json.loads(planned.stdout)
    assert report["project"] == "ecr-replication"
    assert report["replicationConfiguration"] == {"rules": [rule]}
