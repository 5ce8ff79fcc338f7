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

The files are read as the Pulumi CLI reads them (:mod:`replication.preview.go_yaml`: go-yaml v3's resolution, and
the text Pulumi's config makes of each value): ``0o17`` is 15, ``1e3`` 1000, ``yes`` the text "yes", a date a
timestamp; a key given twice, or a NaN or infinity in the config (which Pulumi keeps as JSON), is an error the
CLI makes too. In the program's own namespace a plain scalar must also be read as written
(:func:`misread`): one YAML 1.1 readers take for another type (``yes``, ``1:30``), or a number or timestamp the
program would get as other text than was written (``022222222222`` is 2454267026, ``1e3`` is 1000), is an error
naming the file, line, key and what was written, so the offline plan never reads a config other than the one
``pulumi up`` gets, nor one the user didn't mean.

The project file is ``Pulumi.json``, ``Pulumi.yaml`` or ``Pulumi.yml``, the first of them that exists, as the
CLI looks for them (``sdk/go/common/workspace/paths.go`` ``findProjectInDir``, in ``encoding.Exts``'s order). The
stack file has the project file's extension (``ProjectStackPath``: ``filepath.Ext(projPath)``) and is read as the
CLI reads that extension (``encoding.Marshalers``: ``.yml`` as YAML, ``.json`` with Go's ``encoding/json``, where a
number is a float64 and a string is always quoted, so no plain scalar can be misread). Its name is the stack's
own name, the last part of ``--stack [organization/][project/]name`` (:mod:`replication.preview.stack_name`,
checked before any file is read): ``Pulumi.<name>.yaml`` in the project's ``stackConfigDir`` (relative to the
project folder; the older ``config: <dir>`` spelling too), else beside the project file: :func:`stack_file_path`.
"""

from __future__ import annotations

import json
import math
import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from replication.errors import SECRET
from replication.preview import go_yaml
from replication.preview.stack_name import StackName, StackNameError, parse_stack_name, project_name_problem

_PLAIN_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")

PROJECT_FILES = ("Pulumi.json", "Pulumi.yaml", "Pulumi.yml")
"""The project files the Pulumi CLI looks for in a folder, in its order: the first that is a file is the project
(``workspace/paths.go`` ``findProjectInDir`` over ``encoding.Exts``: ``.json``, ``.yaml``, ``.yml``)."""


class StackFileError(Exception):
    """A missing or malformed project or stack file; the message names the file."""


class StackArgumentError(StackFileError):
    """``--stack`` names no stack the Pulumi CLI would take, or one of another project; the message names
    ``--stack`` and its value (:mod:`replication.preview.stack_name`)."""


@dataclass(frozen=True)
class StackFiles:
    """A project's program and one stack's effective configuration."""

    project: str
    stack: str
    program: Path
    config: dict[str, str]
    """``namespace:key`` -> value as the program reads it (JSON text for objects, lists and numbers)."""
    secret_keys: list[str]
    """Keys holding an encrypted value, then the path of each encrypted value nested inside a key."""
    path: Path
    """Where the project keeps the stack's file (:func:`stack_file_path`), whether or not it exists."""
    stack_file: Path | None = None
    """The stack file read (``path``, or the one given as text); ``None`` when there is none (an empty stack
    config)."""


@dataclass(frozen=True)
class _Document:
    """A project or stack file's mapping, and for YAML its node tree (to tell how each scalar was written)."""

    path: Path
    data: Mapping[str, Any]
    node: yaml.Node | None
    is_json: bool = False

    def go_value(self, value: Any) -> Any:
        """``value`` as the Pulumi CLI holds it: from JSON every number is a float64 (``encoding/json`` into
        ``interface{}``), so ``12`` is written back ``12`` and a whole number past 2**53 loses its last digits."""
        if not self.is_json:
            return value
        if isinstance(value, int) and not isinstance(value, bool):
            return float(value)
        if isinstance(value, Mapping):
            return {k: self.go_value(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self.go_value(v) for v in value]
        return value

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
    """The YAML mapping in ``path`` (or ``text``, what ``path`` would hold), as the Pulumi CLI decodes it."""
    if text is None and not path.is_file():
        raise StackFileError(f"{path}: no such file")
    loader = go_yaml.Loader(path.read_text(encoding="utf-8") if text is None else text)
    try:
        node = loader.get_single_node()
        document = (loader.construct_document(node) if node is not None else None) or {}
    except go_yaml.GoYamlError as error:
        raise StackFileError(f"{path}: line {error.line}: {error.problem}") from None
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" line {mark.line + 1}" if mark else ""
        raise StackFileError(f"{path}:{where} is not valid YAML") from None
    finally:
        loader.dispose()
    if not isinstance(document, Mapping):
        raise StackFileError(f"{path}: must be a YAML mapping")
    return _Document(path, document, node)


def _json_number(text: str) -> float | int:
    """A JSON number as Python holds it (a whole number as written, so a file ``import`` replaces keeps it),
    refused where Go's ``encoding/json`` refuses it: one a float64 can't hold (``1e400``)."""
    value: float | int = int(text) if re.fullmatch(r"-?[0-9]+", text) else float(text)
    try:
        finite = math.isfinite(float(value))
    except OverflowError:
        finite = False
    if not finite:
        raise ValueError(f"the number {text} is out of range for the Pulumi CLI (a JSON number is a float64 to it)")
    return value


def _read_json(path: Path, text: str | None = None) -> _Document:
    """The JSON object in ``path`` (or ``text``), as the Pulumi CLI decodes a ``.json`` project or stack file."""
    if text is None and not path.is_file():
        raise StackFileError(f"{path}: no such file")

    def constant(name: str) -> Any:
        raise ValueError(f"{name} is not JSON, and the Pulumi CLI refuses it")

    try:
        document = json.loads(path.read_text(encoding="utf-8-sig") if text is None else text,
                               parse_int=_json_number, parse_float=_json_number, parse_constant=constant)
    except json.JSONDecodeError as error:
        raise StackFileError(f"{path}: line {error.lineno}: is not valid JSON: {error.msg}") from None
    except ValueError as error:  # from the hooks: a number or constant Go refuses
        raise StackFileError(f"{path}: {error}") from None
    if document is None:  # `null`: an empty stack, as for the CLI (LoadProjectStackBytes)
        document = {}
    if not isinstance(document, Mapping):
        raise StackFileError(f"{path}: must be a JSON object")
    return _Document(path, document, None, is_json=True)


def read_document(path: Path, text: str | None = None) -> Mapping[str, Any]:
    """The mapping a project or stack file at ``path`` holds (or ``text``, what it would hold), read as the Pulumi
    CLI reads a file of its extension; :class:`StackFileError` naming the file when it can't be read."""
    return _read(path, text).data


def _read(path: Path, text: str | None = None) -> _Document:
    return _read_json(path, text) if path.suffix == ".json" else _read_yaml(path, text)


def misread(token: str, project_level: bool = False) -> str | None:
    """Why a plain scalar written ``token`` in the program's namespace (of ``Pulumi.yaml`` when ``project_level``)
    is not read as written, or ``None``.

    One rule, on :func:`go_yaml.resolve`'s reading (what the Pulumi CLI reads): text must be text to YAML 1.1
    readers too (``yes``, ``1:30``, ``2001-12-14 21:59:43.10 -5`` aren't); a number or timestamp must reach the
    program as the text written (``0o17``, ``017``, ``0x1F``, ``1_000``, ``+12``, ``1e3`` and dates don't).
    Booleans and null read the same to both (go-yaml's forms are YAML 1.1's)."""
    value = go_yaml.resolve(token)
    if isinstance(value, str):
        other = go_yaml.yaml11_tag(token)
        if go_yaml.short_tag(other) == go_yaml.STR:
            return None
        kind = {go_yaml.BOOL: "a boolean", go_yaml.INT: "a number", go_yaml.FLOAT: "a number",
                go_yaml.TIMESTAMP: "a timestamp", go_yaml.NULL: "null"}.get(go_yaml.short_tag(other), "not text")
        fix = ("it reads only true and false as booleans: write true or false, or quote it if it is text"
               if kind == "a boolean" else "quote it if it is text")
        return f"{token} is {kind} to YAML 1.1 but the text '{token}' to the Pulumi CLI (go-yaml v3): {fix}"
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, go_yaml.GoTime):
        return (f"{token} is a timestamp to the Pulumi CLI (go-yaml v3), which passes the program "
                f"'{_config_text(value, project_level)}', not what was written: quote it (\"{token}\")")
    finite = not isinstance(value, float) or math.isfinite(value)  # a map key: Pulumi spells an infinity +Inf
    text = go_yaml.go_json(value) if finite else go_yaml.go_float_text(value, json_style=False)
    if text == token:
        return None
    number = f", or write {text} if it is that number" if finite else ""
    return (f"{token} is read by the Pulumi CLI (go-yaml v3) as the number {text}, not as written: quote it "
            f'("{token}") if it is text, such as an account id{number}')


def _unloadable(value: Any, token: str) -> str | None:
    """Why the Pulumi CLI can't load a config value: it keeps every value as JSON text (``config/object.go``
    ``MarshalString``), which has no NaN nor infinity."""
    if isinstance(value, float) and not math.isfinite(value):
        return (f"{token} is {'NaN' if math.isnan(value) else 'an infinity'} to the Pulumi CLI (go-yaml v3), which its "
                "config can't hold (it keeps numbers as JSON): the CLI can't load this file; quote it if it is text")
    return None


def _check_scalars(document: _Document, key: str, node: yaml.Node | None, own: bool,
                   path: tuple[str | int, ...] = (), map_key: bool = False, project_level: bool = False) -> None:
    """Stop at the first value under config ``key`` the Pulumi CLI can't load, or, in the program's ``own``
    namespace, the first plain scalar (a value or a ``map_key``) :func:`misread` objects to."""
    if isinstance(node, yaml.ScalarNode):
        problem = None if map_key else _unloadable(go_yaml.scalar_value(node), node.value)
        if problem is None and own and getattr(node, "plain", False):
            problem = misread(node.value, project_level)
        if problem is not None:
            raise StackFileError(f"{document.path}: line {node.start_mark.line + 1}: {property_path(key, path)}: {problem}")
    elif isinstance(node, yaml.MappingNode):
        for name, value in node.value:
            inner = (*path, go_yaml.key_text(go_yaml.scalar_value(name)) if isinstance(name, yaml.ScalarNode) else "")
            _check_scalars(document, key, name, own, inner, True, project_level)
            _check_scalars(document, key, value, own, inner, False, project_level)
    elif isinstance(node, yaml.SequenceNode):
        for index, value in enumerate(node.value):
            _check_scalars(document, key, value, own, (*path, index), False, project_level)


def _config_text(value: Any, project_level: bool) -> str:
    """A config value as the program receives it: a string as it is, anything else as Go's JSON; from a stack
    file a timestamp is ``Time.String()`` (``config/object.go``), from ``Pulumi.yaml`` ints and booleans are
    ``%v`` (the same text) and the rest JSON (``pkg/workspace/config.go`` ``createConfigValue``)."""
    if isinstance(value, str):
        return value
    if isinstance(value, go_yaml.GoTime) and not project_level:
        return value.string()
    return go_yaml.go_json(value, project_level=project_level)


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
    """Pulumi's ``isSecureValue``: a map of exactly one ``secure`` key holding a string."""
    return isinstance(value, Mapping) and set(value) == {"secure"} and isinstance(value["secure"], str)


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


def _stack_file_path(project: _Document, stack: StackName) -> Path:
    """Where ``project`` keeps ``stack``'s file: pulumi/pulumi ``sdk/go/common/workspace/paths.go``
    ``ProjectStackPath`` joins the project folder, ``stackConfigDir`` and ``Pulumi.<name><ext>`` (the stack's own
    name, the project file's extension) with Go's ``filepath.Join``, which cleans the result (``..`` taken
    lexically) and keeps an absolute ``stackConfigDir`` inside the project folder; ``project.go``
    ``RewriteConfigPathIntoStackConfigDir`` reads ``config: <dir>`` as ``stackConfigDir`` and refuses both. The
    project file reference: "Config directory location relative to the location of Pulumi.yaml"."""
    data = project.data
    folder = data.get("stackConfigDir")
    legacy = data.get("config")
    if isinstance(legacy, str):
        if "stackConfigDir" in data:
            raise StackFileError(f"{project.path}: config and stackConfigDir both name the stack files' folder; the "
                                 "Pulumi CLI refuses that: use only stackConfigDir")
        folder = legacy
    if folder is not None and not isinstance(folder, str):
        raise StackFileError(f"{project.path}: stackConfigDir must be a folder name (got {folder!r})")
    name = stack.file_name(project.path.suffix)
    if not folder:
        return project.path.parent / name
    return Path(os.path.normpath(f"{project.path.parent}/{folder}/{name}"))


def project_file(directory: Path) -> Path | None:
    """The project file in ``directory`` (:data:`PROJECT_FILES`' first that is a file), or ``None``."""
    return next((directory / name for name in PROJECT_FILES if (directory / name).is_file()), None)


def _project(directory: Path, stack: StackName) -> tuple[_Document, str]:
    """The project file in ``directory``, and the project's name, which a project-qualified ``stack`` must name."""
    path = project_file(directory)
    if path is None:
        raise StackFileError(f"{directory}: no Pulumi.yaml, Pulumi.yml or Pulumi.json: not a Pulumi project folder")
    document = _read(path)
    name = document.data.get("name")
    if not isinstance(name, str) or not name:
        raise StackFileError(f"{document.path}: 'name' is missing")
    problem = project_name_problem(name)
    if problem is not None:
        raise StackFileError(f"{document.path}: name: {problem}")
    try:
        stack.check_project(name, path)
    except StackNameError as error:
        raise StackArgumentError(str(error)) from None
    return document, name


def _stack_name(stack: str) -> StackName:
    try:
        return parse_stack_name(stack)
    except StackNameError as error:
        raise StackArgumentError(str(error)) from None


def stack_file_path(directory: Path, stack: str) -> Path:
    """Where the project in ``directory`` keeps the file of ``stack`` (``[organization/][project/]name``): in its
    ``stackConfigDir``, relative to the project folder, else beside the project file."""
    name = _stack_name(stack)
    return _stack_file_path(_project(directory, name)[0], name)


def load_stack(directory: Path, stack: str, stack_text: str | None = None) -> StackFiles:
    """Read the project file in ``directory`` and the file of ``stack`` (``[organization/][project/]name``, checked
    before anything is read; :func:`stack_file_path`; no file: an empty stack config); with ``stack_text``, that
    is the stack file's content (a stack file not written yet, as ``ecr-replication import`` checks one before
    writing it). The program runs as the stack's own name, as under the Pulumi CLI."""
    name = _stack_name(stack)
    project_read, project = _project(directory, name)
    project_path = project_read.path
    project_doc = project_read.data
    runtime = project_doc.get("runtime")
    runtime_name = runtime.get("name") if isinstance(runtime, Mapping) else runtime
    if runtime_name != "python":
        raise StackFileError(f"{project_path}: runtime is {runtime_name!r}; only python programs can run offline")
    main = project_doc.get("main") or "."
    program = (directory / main).resolve()
    if program.is_dir():
        program = program / "__main__.py"
    if not program.is_file():
        raise StackFileError(f"{project_path}: the program {program} does not exist")

    stack_path = _stack_file_path(project_read, name)
    config = _project_config(project_read, project)
    found = stack_text is not None or stack_path.is_file()
    secret_keys: list[str] = []
    if found:
        secret_keys = _stack_config(_read(stack_path, stack_text), project, config)
    return StackFiles(project, name.name, program, config, secret_keys, stack_path, stack_path if found else None)


def _project_config(document: _Document, project: str) -> dict[str, str]:
    """The project-level config of the project file: a declaration gives its ``default``, else its ``value``
    (``pkg/workspace/config.go``: a non-null default wins); a short form ``key: value`` is that value."""
    entries = document.data.get("config")
    if not isinstance(entries, Mapping):  # none, or the older spelling of stackConfigDir
        return {}
    nodes = document.config_nodes()
    config: dict[str, str] = {}
    for key, entry in entries.items():
        qualified = _qualified(project, str(key))
        node = nodes.get(str(key))
        if isinstance(entry, Mapping):
            name = "default" if entry.get("default") is not None else "value"
            entry = entry.get(name)
            node = next((v for k, v in node.value if k.value == name), None) if isinstance(node, yaml.MappingNode) else None
        _check_scalars(document, qualified, node, qualified.startswith(f"{project}:"), project_level=True)
        if entry is not None:
            config[qualified] = _config_text(document.go_value(entry), project_level=True)
    return config


def _stack_config(document: _Document, project: str, config: dict[str, str]) -> list[str]:
    """Add the stack file's config to ``config`` (over the project's defaults); its secret keys, then the path of
    each encrypted value nested inside a key."""
    nodes = document.config_nodes()
    secret_keys: list[str] = []
    nested: list[str] = []
    for key, value in (document.data.get("config") or {}).items():
        qualified = _qualified(project, str(key))
        _check_scalars(document, qualified, nodes.get(str(key)), qualified.startswith(f"{project}:"))
        inside: list[str] = []
        config[qualified] = _config_text(document.go_value(_without_ciphertext(value, qualified, (), inside)),
                                         project_level=False)
        if inside:
            secret_keys.append(qualified)
            nested += [path for path in inside if path != qualified]
    return secret_keys + nested
