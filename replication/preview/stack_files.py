"""Load a Pulumi project and one of its stacks from disk, as the Pulumi CLI would hand them to the program.

``Pulumi.yaml`` gives the project name, the program and project-level config defaults; ``Pulumi.<stack>.yaml``
gives the stack's config. Objects and lists become JSON text, as the CLI passes them. Encrypted values
(``{secure: v1:…}``, at the top or nested inside an object by ``pulumi config set --secret --path``) can't be
decrypted offline: each is replaced by :data:`SECRET_PLACEHOLDER` and its key is marked secret, as the CLI marks
a key holding a secret anywhere. The ciphertext is dropped, never passed on. Offline the secret keys also name
each encrypted value inside a key by its path (``ns:source.roleArn``), which the CLI can't tell a program.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

SECRET_PLACEHOLDER = "[secret]"
"""What a ``secure:`` config value reads as offline."""

_PLAIN_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


class StackFileError(Exception):
    """A missing or malformed project or stack file; the message names the file."""


@dataclass(frozen=True)
class StackFiles:
    """A project's program and one stack's effective configuration."""

    project: str
    stack: str
    program: Path
    config: dict[str, str]
    """``namespace:key`` -> value as the program reads it (JSON text for objects and lists)."""
    secret_keys: list[str]
    """Keys holding an encrypted value, then the path of each encrypted value nested inside a key."""


def _read_yaml(path: Path, text: str | None = None) -> Mapping[str, Any]:
    """The YAML mapping in ``path`` (or ``text``, what ``path`` would hold)."""
    if text is None and not path.is_file():
        raise StackFileError(f"{path}: no such file")
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8") if text is None else text) or {}
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" line {mark.line + 1}" if mark else ""
        raise StackFileError(f"{path}:{where} is not valid YAML") from None
    if not isinstance(document, Mapping):
        raise StackFileError(f"{path}: must be a YAML mapping")
    return document


def _config_text(value: Any) -> str:
    """A config value as the program receives it."""
    if isinstance(value, str):
        return value
    return json.dumps(value) if isinstance(value, (Mapping, list)) else json.dumps(value).strip('"')


def property_path(key: str, segments: Sequence[str | int]) -> str:
    """A path inside config ``key`` as ``pulumi config set --path`` spells it: ``ns:key.name[0]["us-west-2"]``
    (bracketed, quoted for a map key that isn't a plain name)."""
    text = key
    for segment in segments:
        if isinstance(segment, int):
            text += f"[{segment}]"
        elif _PLAIN_NAME.fullmatch(segment):
            text += f".{segment}"
        else:
            text += f'["{segment}"]'
    return text


def _is_secure(value: Any) -> bool:
    return isinstance(value, Mapping) and set(value) == {"secure"}


def _without_ciphertext(value: Any, key: str, path: tuple[str | int, ...], secrets: list[str]) -> Any:
    """``value`` with every ``{secure: …}`` replaced by the placeholder, recording each one's path."""
    if _is_secure(value):
        secrets.append(property_path(key, path))
        return SECRET_PLACEHOLDER
    if isinstance(value, Mapping):
        return {k: _without_ciphertext(v, key, (*path, str(k)), secrets) for k, v in value.items()}
    if isinstance(value, list):
        return [_without_ciphertext(v, key, (*path, i), secrets) for i, v in enumerate(value)]
    return value


def _qualified(project: str, key: str) -> str:
    return key if ":" in key else f"{project}:{key}"


def load_stack(directory: Path, stack: str, stack_text: str | None = None) -> StackFiles:
    """Read ``Pulumi.yaml`` and ``Pulumi.<stack>.yaml`` in ``directory``; with ``stack_text``, that is the stack
    file's content (a stack file not written yet, as ``ecr-replication import`` checks one before writing it)."""
    project_file = directory / "Pulumi.yaml"
    project_doc = _read_yaml(project_file)
    project = project_doc.get("name")
    if not isinstance(project, str) or not project:
        raise StackFileError(f"{project_file}: 'name' is missing")
    runtime = project_doc.get("runtime")
    runtime_name = runtime.get("name") if isinstance(runtime, Mapping) else runtime
    if runtime_name != "python":
        raise StackFileError(f"{project_file}: runtime is {runtime_name!r}; only python programs can run offline")
    main = project_doc.get("main") or "."
    program = (directory / main).resolve()
    if program.is_dir():
        program = program / "__main__.py"
    if not program.is_file():
        raise StackFileError(f"{project_file}: the program {program} does not exist")

    config: dict[str, str] = {}
    for key, entry in (project_doc.get("config") or {}).items():
        default = entry.get("default", entry.get("value")) if isinstance(entry, Mapping) else entry
        if default is not None:
            config[_qualified(project, key)] = _config_text(default)

    stack_file = directory / f"Pulumi.{stack}.yaml"
    secret_keys: list[str] = []
    nested: list[str] = []
    for key, value in (_read_yaml(stack_file, stack_text).get("config") or {}).items():
        qualified = _qualified(project, str(key))
        inside: list[str] = []
        config[qualified] = _config_text(_without_ciphertext(value, qualified, (), inside))
        if inside:
            secret_keys.append(qualified)
            nested += [path for path in inside if path != qualified]
    return StackFiles(project, stack, program, config, secret_keys + nested)
