"""Load a Pulumi project and one of its stacks from disk, as the Pulumi CLI would hand them to the program.

``Pulumi.yaml`` gives the project name, the program and project-level config defaults; ``Pulumi.<stack>.yaml``
gives the stack's config. A missing stack file is an empty stack config, as for the CLI (its
``workspace.LoadProjectStack`` returns an empty config when the file doesn't exist; the stack settings file
reference lists every attribute as optional). Objects and lists become JSON text, as the CLI passes them.
Encrypted values (``{secure: v1:…}``, at the top or nested inside an object by ``pulumi config set --secret
--path``) can't be decrypted offline: each is replaced by :data:`SECRET` and its key is marked
secret, as the CLI marks a key holding a secret anywhere. The ciphertext is dropped, never passed on. Offline the
secret keys also name each encrypted value inside a key by its path (``ns:source.roleArn``), which the CLI can't
tell a program.

PyYAML reads YAML 1.1; the Pulumi CLI reads stack files with go-yaml v3 (``sdk/go/common/encoding/marshal.go``),
which resolves plain scalars differently (go-yaml ``resolve.go``): only ``true``/``false`` (any case form) are
booleans, and an unquoted number with a leading 0 is octal when its digits allow and otherwise a float (PyYAML:
the string as written). In the program's own namespace, a plain scalar the two read differently, or a number
not read as written (``accountId: 022222222222`` is 2454267026 to both), is an error naming the file, line, key
and what was written, so the offline plan never reads a config other than the one ``pulumi up`` gets.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from replication.errors import SECRET

_PLAIN_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")

_LEADING_ZERO = re.compile(r"([-+]?)0([0-9]+)")
"""An unquoted number with a leading 0: octal to YAML 1.1 and go-yaml v3 when its digits are 0-7; with an 8 or 9
a float to go-yaml v3 (``strconv.ParseFloat``) and a string to PyYAML."""

_YAML11_ONLY_BOOLEANS = frozenset(form for word in ("yes", "no", "on", "off")
                                  for form in (word, word.capitalize(), word.upper()))
"""Booleans to PyYAML's YAML 1.1 resolver (``yes|Yes|YES|no|…|off|Off|OFF`` besides the true/false forms) that
go-yaml v3 reads as strings (its resolve table holds only the true/false forms)."""


class StackFileError(Exception):
    """A missing or malformed project or stack file; the message names the file."""


class _Loader(yaml.SafeLoader):
    """PyYAML's safe loader, marking each scalar node written plain (unquoted and untagged): only those are
    resolved by the readers' rules, which differ."""

    def compose_scalar_node(self, anchor: str | None) -> yaml.ScalarNode:
        event = self.peek_event()
        node = super().compose_scalar_node(anchor)
        node.plain = bool(event.implicit[0]) and event.style is None  # type: ignore[attr-defined]
        return node


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
    stack_file: Path | None = None
    """The stack file read; ``None`` when there is none (an empty stack config)."""


@dataclass(frozen=True)
class _Document:
    """A YAML file's mapping, and its node tree (to tell how each scalar was written)."""

    path: Path
    data: Mapping[str, Any]
    node: yaml.Node | None

    def config_nodes(self) -> dict[str, yaml.Node]:
        """The value node of each key under ``config``."""
        root = self.node
        if not isinstance(root, yaml.MappingNode):
            return {}
        config = next((v for k, v in root.value if k.value == "config"), None)
        if not isinstance(config, yaml.MappingNode):
            return {}
        return {str(k.value): v for k, v in config.value}


def _read_yaml(path: Path, text: str | None = None) -> _Document:
    """The YAML mapping in ``path`` (or ``text``, what ``path`` would hold)."""
    if text is None and not path.is_file():
        raise StackFileError(f"{path}: no such file")
    loader = _Loader(path.read_text(encoding="utf-8") if text is None else text)
    try:
        node = loader.get_single_node()
        document = (loader.construct_document(node) if node is not None else None) or {}
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" line {mark.line + 1}" if mark else ""
        raise StackFileError(f"{path}:{where} is not valid YAML") from None
    finally:
        loader.dispose()
    if not isinstance(document, Mapping):
        raise StackFileError(f"{path}: must be a YAML mapping")
    return _Document(path, document, node)


def _misread(token: str) -> str | None:
    """Why a plain scalar written as ``token`` is not what the Pulumi CLI reads, or read differently offline."""
    number = _LEADING_ZERO.fullmatch(token)
    if number is not None:
        sign, digits = number.groups()
        octal = not set(digits) & {"8", "9"}
        read = int(sign + digits, 8 if octal else 10)
        how = f"the octal number {read}" if octal else f"the number {read} (a float to go-yaml v3; PyYAML keeps the text)"
        return (f"{token} is an unquoted number with a leading 0, which the Pulumi CLI reads as {how}, not as "
                f'written: quote it ("{token}") if it is text, such as an account id, or drop the leading 0 if it is '
                "a number")
    if token in _YAML11_ONLY_BOOLEANS:
        return (f"{token} is a boolean to YAML 1.1 but the string '{token}' to the Pulumi CLI (go-yaml v3 reads only "
                "true and false as booleans): write true or false, or quote it if it is text")
    return None


def _check_scalars(document: _Document, key: str, node: yaml.Node | None, path: tuple[str | int, ...] = ()) -> None:
    """Stop at the first plain scalar under ``key`` that :func:`_misread` objects to."""
    if isinstance(node, yaml.ScalarNode):
        problem = _misread(node.value) if getattr(node, "plain", False) else None
        if problem is not None:
            raise StackFileError(f"{document.path}: line {node.start_mark.line + 1}: {property_path(key, path)}: {problem}")
    elif isinstance(node, yaml.MappingNode):
        for name, value in node.value:
            _check_scalars(document, key, value, (*path, str(name.value)))
    elif isinstance(node, yaml.SequenceNode):
        for index, value in enumerate(node.value):
            _check_scalars(document, key, value, (*path, index))


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
        return SECRET
    if isinstance(value, Mapping):
        return {k: _without_ciphertext(v, key, (*path, str(k)), secrets) for k, v in value.items()}
    if isinstance(value, list):
        return [_without_ciphertext(v, key, (*path, i), secrets) for i, v in enumerate(value)]
    return value


def _qualified(project: str, key: str) -> str:
    return key if ":" in key else f"{project}:{key}"


def load_stack(directory: Path, stack: str, stack_text: str | None = None) -> StackFiles:
    """Read ``Pulumi.yaml`` and ``Pulumi.<stack>.yaml`` in ``directory`` (none: an empty stack config); with
    ``stack_text``, that is the stack file's content (a stack file not written yet, as ``ecr-replication import``
    checks one before writing it)."""
    project_file = directory / "Pulumi.yaml"
    project_read = _read_yaml(project_file)
    project_doc = project_read.data
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

    config = _project_config(project_read, project)
    stack_file = directory / f"Pulumi.{stack}.yaml"
    found = stack_text is not None or stack_file.is_file()
    secret_keys: list[str] = []
    if found:
        secret_keys = _stack_config(_read_yaml(stack_file, stack_text), project, config)
    return StackFiles(project, stack, program, config, secret_keys, stack_file if found else None)


def _project_config(document: _Document, project: str) -> dict[str, str]:
    """The project-level config defaults of ``Pulumi.yaml`` (a declaration gives its ``default`` or ``value``)."""
    nodes = document.config_nodes()
    config: dict[str, str] = {}
    for key, entry in (document.data.get("config") or {}).items():
        qualified = _qualified(project, str(key))
        node = nodes.get(str(key))
        if isinstance(entry, Mapping):
            name = "default" if "default" in entry else "value"
            entry = entry.get(name)
            node = next((v for k, v in node.value if k.value == name), None) if isinstance(node, yaml.MappingNode) else None
        if qualified.startswith(f"{project}:"):
            _check_scalars(document, qualified, node)
        if entry is not None:
            config[qualified] = _config_text(entry)
    return config


def _stack_config(document: _Document, project: str, config: dict[str, str]) -> list[str]:
    """Add the stack file's config to ``config`` (over the project's defaults); its secret keys, then the path of
    each encrypted value nested inside a key."""
    nodes = document.config_nodes()
    secret_keys: list[str] = []
    nested: list[str] = []
    for key, value in (document.data.get("config") or {}).items():
        qualified = _qualified(project, str(key))
        if qualified.startswith(f"{project}:"):
            _check_scalars(document, qualified, nodes.get(str(key)))
        inside: list[str] = []
        config[qualified] = _config_text(_without_ciphertext(value, qualified, (), inside))
        if inside:
            secret_keys.append(qualified)
            nested += [path for path in inside if path != qualified]
    return secret_keys + nested
