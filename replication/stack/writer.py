"""Write a ``Pulumi.<stack>.yaml`` for the example program from config values, walking the same schema the reader
checks (:data:`replication.stack.schema.STACK_KEYS`): a key the schema doesn't declare can't be written.

The text is deterministic: keys in the schema's order, the keys of maps and policy statements sorted, nothing
that depends on time or the machine. Every string a plain scalar would not keep as that string is quoted: to the
Pulumi CLI's go-yaml v3 (``0o17``, ``1e3``, ``012``, ``true``, ``null``, an account id) and to YAML 1.1 readers
(``yes``, ``1:30``), as go-yaml's own encoder does (:func:`replication.preview.go_yaml.plain_keeps`); what the
writer writes reads back, as the CLI reads it, as the values given. The stack disables the default aws provider
(``pulumi:disable-default-providers: [aws]``) like the bundled one. For a ``Pulumi.json`` project the same
document is written as JSON (``Pulumi.<stack>.json``), where every string is quoted anyway.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

import yaml

from replication.preview.go_yaml import GoTime, plain_keeps
from replication.stack.schema import NAMESPACE, STACK_KEYS, Key, ValueType

DISABLE_DEFAULT_PROVIDERS = {"pulumi:disable-default-providers": ["aws"]}
"""No resource of the stack may fall back to ambient credentials: every aws resource names its provider."""


class _Dumper(yaml.SafeDumper):
    """Block-style YAML, lists indented under their key, strings YAML would read as another type quoted."""

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        super().increase_indent(flow, False)


def _string(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    """A string plain when a plain scalar keeps it (:func:`plain_keeps`; the emitter still quotes what YAML's
    syntax needs quoted), else quoted: double quotes, or single ones around JSON text (a policy document) so its
    own quotes stay readable. Text with a line break or another unprintable character is double-quoted, the one
    style that escapes it (``\\n``, ``\\N``): YAML 1.1 takes U+0085 for a line break and YAML 1.2 doesn't, so
    any other style reads back differently."""
    if not value.isprintable():
        return dumper.represent_scalar("tag:yaml.org,2002:str", value, style='"')
    if plain_keeps(value) and value.strip() == value:
        return dumper.represent_scalar("tag:yaml.org,2002:str", value)
    style = "'" if '"' in value and "'" not in value else '"'
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


def _timestamp(dumper: yaml.SafeDumper, value: GoTime) -> yaml.ScalarNode:
    """A timestamp kept from a replaced file, as it was written: go-yaml reads it back as the same timestamp
    (tagged ``!!timestamp`` by the emitter where PyYAML's YAML 1.1 resolver wouldn't take it for one)."""
    return dumper.represent_scalar("tag:yaml.org,2002:timestamp", value.written)


_Dumper.add_representer(str, _string)
_Dumper.add_representer(GoTime, _timestamp)


def _ordered(key: Key, value: Any) -> Any:
    """``value`` laid out as ``key`` declares it: object fields in schema order, map and statement keys sorted."""
    if key.type is ValueType.OBJECT:
        unknown = set(value) - {field.name for field in key.fields}
        if unknown:
            raise ValueError(f"{key.name or 'item'}: not in the stack schema: {', '.join(sorted(unknown))}")
        return {field.name: _ordered(field, value[field.name]) for field in key.fields if value.get(field.name) is not None}
    if key.type is ValueType.LIST and key.items is not None:
        return [_ordered(key.items, item) for item in value]
    if key.type in (ValueType.MAP, ValueType.STATEMENT):
        return _sorted_keys(value)
    return value


def _sorted_keys(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {name: _sorted_keys(value[name]) for name in sorted(value)}
    if isinstance(value, list):
        return [_sorted_keys(item) for item in value]
    return value


def stack_file_text(values: Mapping[str, Any], header: Sequence[str] = (), namespace: str = NAMESPACE,
                    settings: Mapping[str, Any] | None = None, other_config: Mapping[str, Any] | None = None,
                    as_json: bool = False) -> str:
    """The stack file holding ``values`` (config key -> value, keys as the schema names them) under ``namespace``
    (the project's name), after ``header`` as comment lines and the stack's own ``settings`` (top-level keys
    besides ``config``, such as the ``encryptionsalt`` or ``secretsprovider`` that ``pulumi stack init`` writes);
    ``other_config`` holds config keys outside ``namespace`` to write as they are, after the default providers
    (which they may replace). ``as_json``: a ``Pulumi.<stack>.json`` for a project whose file is ``Pulumi.json``,
    indented by four spaces as the Pulumi CLI writes one (``encoding/marshal.go``: ``SetIndent("", "    ")``),
    without the header (JSON has no comments). ``ValueError`` for a key the schema doesn't have, or one of
    ``namespace`` among ``other_config``."""
    unknown = set(values) - {key.name for key in STACK_KEYS}
    unknown |= {key for key in other_config or {} if key.startswith(f"{namespace}:")}
    if unknown:
        raise ValueError(f"not in the stack schema: {', '.join(sorted(unknown))}")
    config: dict[str, Any] = {**DISABLE_DEFAULT_PROVIDERS, **(other_config or {})}
    for key in STACK_KEYS:
        if values.get(key.name) is not None:
            config[f"{namespace}:{key.name}"] = _ordered(key, values[key.name])
    document = {**{k: v for k, v in (settings or {}).items() if k != "config"}, "config": config}
    if as_json:
        return json.dumps(document, indent=4, ensure_ascii=False) + "\n"
    body = yaml.dump(document, Dumper=_Dumper, sort_keys=False, default_flow_style=False, allow_unicode=True,
                     width=1 << 16)
    return "".join(f"# {line}\n" if line else "#\n" for line in header) + body
