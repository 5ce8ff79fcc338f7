"""YAML as the Pulumi CLI reads it: go-yaml v3's resolution of plain scalars, and the config text a program gets.

The Pulumi CLI decodes ``Pulumi.yaml`` and ``Pulumi.<stack>.yaml`` with gopkg.in/yaml.v3 (pulumi/pulumi
``sdk/go/common/encoding/marshal.go``), whose rules differ from PyYAML's YAML 1.1. Every rule here is taken from
go-yaml's code (go-yaml/yaml branch v3, v3.0.1: ``resolve.go`` ``resolve`` and ``parseTimestamp``, ``decode.go``)
or Pulumi's, not from the YAML 1.2 prose. A plain (unquoted, untagged) scalar is, in :func:`resolve`'s order:

* in ``resolveMap``: ``true|True|TRUE`` and ``false|False|FALSE`` booleans; ``~|null|Null|NULL`` and the empty
  scalar null; ``.nan|.NaN|.NAN`` and ``[+-].inf|.Inf|.INF`` floats. Anything else starting with one of
  ``yYnNtTfFoO~`` is a string (``yes``, ``on``, ``NaN``: no YAML 1.1 booleans);
* starting with ``.``: ``strconv.ParseFloat`` of the text (``.5``, ``.5e3``);
* starting with a digit or a sign: a timestamp (``parseTimestamp``: four digits and ``-``, then the first of four
  ``time.Parse`` layouts that fits); else, with every ``_`` removed, ``strconv.ParseInt(s, 0, 64)`` (Go's syntax:
  a sign, ``0x``/``0o``/``0b`` prefixes in either case, and a leading ``0`` for octal: ``0o17``, ``017`` and
  ``0x1F`` are numbers), ``strconv.ParseUint``, a float when ``yamlStyleFloat`` matches (``1e3``, ``1.``, and
  ``012345678901``, which isn't octal), then ``0b``/``0o`` followed by a signed number (``0b-101`` is -5). A number
  out of range stays a string; base 60 (``1:30``) is deliberately not supported ("a bad idea"): a string;
* anything else: a string.

A quoted or block scalar is a string; an explicitly tagged one is resolved for its tag (``!!str 012`` is text).
Decoded into ``interface{}`` as Pulumi does, a timestamp is a ``time.Time`` (``decode.go`` ``scalar``: the
``reflect.Interface`` case keeps the resolved value), mapping keys are resolved too, and a key given twice is an
error (``decode.go`` ``mapping``, ``uniqueKeys``).

How the decoded value becomes the text a program reads (pulumi/pulumi ``sdk/go/common/resource/config``):
``object.go`` ``unmarshalObject`` turns a ``time.Time`` into ``v.String()`` and a non-string map key into
``fmt.Sprintf("%v", k)``; ``MarshalString`` gives a string as it is and a boolean, number, list or map as
``encoding/json`` text, which has no NaN or infinity (the CLI then can't load the file). A project-level value
(``Pulumi.yaml``) goes through ``pkg/workspace/config.go`` ``createConfigValue``: strings, ints and booleans as
``%v``, anything else as ``json.Marshal`` text (a ``time.Time`` as its RFC 3339 JSON string).
"""

from __future__ import annotations

import base64
import binascii
import json
import math
import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import yaml

STR, BOOL, INT, FLOAT, NULL, TIMESTAMP, BINARY = ("!!str", "!!bool", "!!int", "!!float", "!!null", "!!timestamp",
                                                  "!!binary")
"""go-yaml's short tags (``resolve.go``)."""

_LONG_TAG_PREFIX = "tag:yaml.org,2002:"
_RESOLVABLE = frozenset({"", STR, BOOL, INT, FLOAT, NULL, TIMESTAMP})
"""``resolvableTag``: the tags ``resolve`` reads a scalar for; any other tag leaves its text (a string)."""

_RESOLVE_MAP: dict[str, tuple[str, Any]] = {
    **{text: (BOOL, True) for text in ("true", "True", "TRUE")},
    **{text: (BOOL, False) for text in ("false", "False", "FALSE")},
    **{text: (NULL, None) for text in ("", "~", "null", "Null", "NULL")},
    **{text: (FLOAT, math.nan) for text in (".nan", ".NaN", ".NAN")},
    **{text: (FLOAT, math.inf) for text in (".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF")},
    **{text: (FLOAT, -math.inf) for text in ("-.inf", "-.Inf", "-.INF")},
}
"""``resolveMapList``, but for ``<<``: PyYAML's composer and go-yaml both make a plain ``<<`` key a merge."""

_YAML_STYLE_FLOAT = re.compile(r"[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?")
"""``yamlStyleFloat``. It is also ``strconv.ParseFloat``'s grammar for a text starting with ``.`` (no sign, no
underscores without a base prefix, no ``inf``/``nan`` spelled that way)."""


class GoYamlError(yaml.YAMLError):
    """What go-yaml v3 refuses to decode (a key given twice, an explicit tag its text doesn't fit), at a line."""

    def __init__(self, problem: str, mark: yaml.Mark | None) -> None:
        super().__init__(problem)
        self.problem = problem
        self.line = mark.line + 1 if mark is not None else None


def _hint(text: str) -> str | None:
    """``resolveTable`` for the first character: ``S`` sign, ``D`` digit, ``M`` in the map, ``.``; ``N`` empty."""
    if not text:
        return "N"
    first = text[0]
    if first in "+-":
        return "S"
    if "0" <= first <= "9":
        return "D"
    if first in "yYnNtTfFoO~":
        return "M"
    return "." if first == "." else None


def _digit(text: str, index: int) -> bool:
    return index < len(text) and "0" <= text[index] <= "9"


def _parse_uint(text: str, base: int) -> int | None:
    """``strconv.ParseUint(text, base, 64)``; base 0 reads Go's prefixes (``0b``, ``0o``, ``0x`` in either case
    with at least one digit after, else a leading ``0`` for octal)."""
    if not text:
        return None
    if base == 0:
        base = 10
        if text[0] == "0":
            prefixed = len(text) >= 3 and text[1].lower() in "box"
            base = {"b": 2, "o": 8, "x": 16}[text[1].lower()] if prefixed else 8
            text = text[2:] if prefixed else text[1:]
    digits = "0123456789abcdef"[:base]
    if any(character.lower() not in digits for character in text):
        return None
    value = int(text, base) if text else 0
    return value if value < 1 << 64 else None


def _parse_int(text: str, base: int) -> int | None:
    """``strconv.ParseInt(text, base, 64)``: an optional sign, then :func:`_parse_uint`, within int64."""
    negative = text[:1] == "-"
    magnitude = _parse_uint(text[1:] if text[:1] in ("+", "-") else text, base)
    if magnitude is None:
        return None
    value = -magnitude if negative else magnitude
    return value if -(1 << 63) <= value < 1 << 63 else None


def _parse_float(text: str) -> float | None:
    """``strconv.ParseFloat(text, 64)`` of a text :data:`_YAML_STYLE_FLOAT` matches; ``None`` when it doesn't, or
    when the number is out of range (``ErrRange``: go-yaml keeps the text)."""
    if not _YAML_STYLE_FLOAT.fullmatch(text):
        return None
    value = float(text)
    return None if math.isinf(value) else value


@dataclass(frozen=True)
class GoTime:
    """A plain scalar go-yaml v3 reads as a ``time.Time`` (``parseTimestamp``), with the fields ``time.Parse``
    gave it."""

    written: str
    year: int
    month: int
    day: int
    hour: int
    minute: int
    second: int
    nanosecond: int
    offset: int | None
    """Seconds east of UTC as written (``+05:00``); ``None`` for UTC: a ``Z``, or no zone (``time.Parse``'s
    default location)."""

    def _fraction(self) -> str:
        """``.999999999``: the fraction without trailing zeros, nothing when whole."""
        return f".{self.nanosecond:09d}".rstrip("0") if self.nanosecond else ""

    def _fields(self, date_separator: str) -> str:
        return (f"{self.year:04d}-{self.month:02d}-{self.day:02d}{date_separator}{self.hour:02d}:{self.minute:02d}:"
                f"{self.second:02d}{self._fraction()}")

    def _zone_name(self) -> str:
        """The ``MST`` of ``Time.String``: ``UTC``; for an offset, the local zone's name when the local zone has
        that offset at that time (``time.Parse`` then uses ``Local``, so this depends on the machine, as for the
        CLI), else the offset again (``FixedZone("", offset)`` has no name)."""
        if self.offset is None:
            return "UTC"
        try:
            instant = datetime(self.year, self.month, self.day, self.hour, self.minute, self.second,
                               tzinfo=timezone(timedelta(seconds=self.offset)))
            local = instant.astimezone()
        except (ValueError, OverflowError, OSError):
            local = None
        if local is not None and local.utcoffset() == timedelta(seconds=self.offset) and local.tzname():
            return str(local.tzname())
        return _offset_text(self.offset, "")

    def string(self) -> str:
        """``Time.String()``: what Pulumi passes a program for it from a stack file
        (``2001-12-14 21:59:43.1 +0000 UTC``)."""
        return f"{self._fields(' ')} {_offset_text(self.offset or 0, '')} {self._zone_name()}"

    def rfc3339(self) -> str:
        """``Format(time.RFC3339Nano)``, as ``json.Marshal`` writes a ``time.Time`` (``2001-12-14T21:59:43.1Z``)."""
        return self._fields("T") + ("Z" if not self.offset else _offset_text(self.offset, ":"))


def _offset_text(offset: int, separator: str) -> str:
    minutes = abs(offset) // 60
    return f"{'-' if offset < 0 else '+'}{minutes // 60:02d}{separator}{minutes % 60:02d}"


def _two_digits(text: str, index: int) -> tuple[int, int] | None:
    """``getnum(value, false)`` at ``index``: one or two digits, and where they end."""
    if not _digit(text, index):
        return None
    end = index + 2 if _digit(text, index + 1) else index + 1
    return int(text[index:end]), end


def _days_in(month: int, year: int) -> int:
    if month == 2:
        return 29 if year % 4 == 0 and (year % 100 != 0 or year % 400 == 0) else 28
    return 30 if month in (4, 6, 9, 11) else 31


_TIMESTAMP_LAYOUTS = ("T", "t", " ", "")
"""``allowedTimestampFormats``, by what follows the date: ``2006-1-2T15:4:5.999999999Z07:00``, the same with
``t``, ``2006-1-2 15:4:5.999999999`` (no zone), ``2006-1-2``."""


def _numbers(text: str, position: int, separators: tuple[str, ...]) -> tuple[list[int], int] | None:
    """The numbers of one or two digits at ``position``, each after its separator, and where they end; ``None`` when
    ``text`` doesn't have them."""
    numbers = []
    for before in separators:
        if text[position:position + len(before)] != before:
            return None
        parsed = _two_digits(text, position + len(before))
        if parsed is None:
            return None
        numbers.append(parsed[0])
        position = parsed[1]
    return numbers, position


def _parse_layout(text: str, separator: str) -> GoTime | None:
    """``time.Parse`` of one layout of :data:`_TIMESTAMP_LAYOUTS` (``text`` starts with four digits and ``-``)."""
    date = _numbers(text, 5, ("", "-"))  # month and day: one or two digits each
    if date is None:
        return None
    fields, position = [int(text[:4]), *date[0]], date[1]
    nanosecond, offset = 0, None
    if separator:
        if text[position:position + 1] != separator:
            return None
        position += 1
        while separator == " " and text[position:position + 1] == " ":  # a space in a layout matches any number
            position += 1
        clock = _numbers(text, position, ("", ":", ":"))  # hour, minute, second
        if clock is None:
            return None
        fields, position = [*fields, *clock[0]], clock[1]
        if text[position:position + 1] in (".", ",") and _digit(text, position + 1):  # any number of digits
            end = position + 1
            while _digit(text, end):
                end += 1
            nanosecond = int(text[position + 1:end][:9].ljust(9, "0"))
            position = end
        if separator in "Tt":  # Z07:00: Z, or ±hh:mm (hours up to 24, minutes up to 60, as time.Parse allows)
            zone = text[position:position + 6]
            if zone[:1] == "Z":
                position += 1
            elif (len(zone) == 6 and zone[0] in "+-" and zone[3] == ":" and _digit(zone, 1) and _digit(zone, 2)
                  and _digit(zone, 4) and _digit(zone, 5) and int(zone[1:3]) <= 24 and int(zone[4:6]) <= 60):
                offset = (-1 if zone[0] == "-" else 1) * (int(zone[1:3]) * 3600 + int(zone[4:6]) * 60)
                position += 6
            else:
                return None
    else:
        fields += [0, 0, 0]
    year, month, day, hour, minute, second = fields
    if position != len(text) or not 1 <= month <= 12 or hour >= 24 or minute >= 60 or second >= 60:
        return None
    if not 1 <= day <= _days_in(month, year):
        return None
    return GoTime(text, year, month, day, hour, minute, second, nanosecond, offset)


def parse_timestamp(text: str) -> GoTime | None:
    """``parseTimestamp``: exactly four digits then ``-``, then the first layout ``time.Parse`` accepts."""
    digits = 0
    while _digit(text, digits):
        digits += 1
    if digits != 4 or text[4:5] != "-":
        return None
    return next((t for t in map(lambda s: _parse_layout(text, s), _TIMESTAMP_LAYOUTS) if t is not None), None)


def _resolve(text: str, tag: str) -> tuple[str, Any]:
    """``resolve``'s reading of ``text`` for ``tag`` (``""``: plain), before the tag is checked."""
    hint = _hint(text)
    if hint is None or tag == STR:
        return STR, text
    if text in _RESOLVE_MAP:
        return _RESOLVE_MAP[text]
    if hint == ".":
        number = _parse_float(text)
        if number is not None:
            return FLOAT, number
    elif hint in "DS":
        if tag in ("", TIMESTAMP):
            time = parse_timestamp(text)
            if time is not None:
                return TIMESTAMP, time
        plain = text.replace("_", "")
        integer = _parse_int(plain, 0)
        integer = _parse_uint(plain, 0) if integer is None else integer
        if integer is not None:
            return INT, integer
        number = _parse_float(plain)
        if number is not None:
            return FLOAT, number
        for prefix, base in (("0b", 2), ("0o", 8)):  # what follows the prefix may have a sign of its own
            digits = plain[len(prefix):] if plain.startswith(prefix) else None
            if digits is not None:
                integer = _parse_int(digits, base)
                integer = _parse_uint(digits, base) if integer is None else integer
            elif plain.startswith("-" + prefix):
                integer = _parse_int("-" + plain[len(prefix) + 1:], base)
            if integer is not None:
                return INT, integer
    return STR, text


def short_tag(tag: str) -> str:
    """``shortTag``: ``tag:yaml.org,2002:int`` (PyYAML's spelling) is ``!!int``."""
    return "!!" + tag[len(_LONG_TAG_PREFIX):] if tag.startswith(_LONG_TAG_PREFIX) else tag


def resolve(text: str, tag: str = "") -> Any:
    """The value go-yaml v3 decodes a scalar written ``text`` to, plain (``tag`` empty) or with an explicit tag:
    ``None``, a bool, int, float, str or :class:`GoTime`. ``ValueError`` when the text doesn't fit the tag."""
    tag = short_tag(tag)
    if tag == BINARY:
        try:
            return base64.b64decode(re.sub(r"[\r\n]", "", text), validate=True).decode("utf-8", "replace")
        except binascii.Error:
            raise ValueError("!!binary value contains invalid base64 data") from None
    if tag not in _RESOLVABLE:
        return text
    resolved_tag, value = _resolve(text, tag)
    if tag in ("", STR, resolved_tag):
        return value
    if tag == FLOAT and resolved_tag == INT:
        return float(value)
    raise ValueError(f"cannot decode {resolved_tag} `{text}` as a {tag}")


def _shortest_digits(value: float) -> tuple[str, int]:
    """The shortest decimal digits that read back as ``abs(value)`` (Go's ``strconv`` with precision -1 and
    Python's ``repr`` both give them) and the decimal point's position: ``abs(value) = 0.<digits> × 10**point``."""
    _, digits, exponent = Decimal(repr(abs(value))).as_tuple()
    text = "".join(map(str, digits)).rstrip("0")
    exponent = int(exponent) + len(digits) - len(text)
    return text, len(text) + exponent


def go_float_text(value: float, *, json_style: bool) -> str:
    """A float as Go writes it: ``encoding/json`` (``json_style``: ``%f`` form, ``%e`` below 1e-6 or from 1e21,
    ``e-7`` not ``e-07``) or ``fmt``'s ``%v`` (``strconv`` ``'g'`` with precision -1: ``%e`` when the exponent is
    below -4 or from 6, ``1e+06``). ``ValueError`` for NaN and infinities in JSON, which has none."""
    if not math.isfinite(value):
        if json_style:
            raise ValueError(f"json: unsupported value: {value}")
        return "NaN" if math.isnan(value) else ("+Inf" if value > 0 else "-Inf")
    sign = "-" if math.copysign(1.0, value) < 0 else ""
    if value == 0:
        return sign + "0"
    digits, point = _shortest_digits(value)
    exponent = point - 1
    if json_style:
        exponential = abs(value) < 1e-6 or abs(value) >= 1e21
    else:
        exponential = exponent < -4 or exponent >= 6
    if exponential:
        mantissa = digits[0] + (f".{digits[1:]}" if len(digits) > 1 else "")
        power = f"{abs(exponent)}" if json_style else f"{abs(exponent):02d}"
        return f"{sign}{mantissa}e{'-' if exponent < 0 else '+'}{power}"
    if point <= 0:
        return f"{sign}0.{'0' * -point}{digits}"
    if point >= len(digits):
        return sign + digits + "0" * (point - len(digits))
    return f"{sign}{digits[:point]}.{digits[point:]}"


def key_text(key: Any) -> str:
    """A mapping key as Pulumi's config holds it: a string as it is, anything else ``fmt.Sprintf("%v", k)``."""
    if isinstance(key, str):
        return key
    if key is None:
        return "<nil>"
    if isinstance(key, bool):
        return "true" if key else "false"
    if isinstance(key, float):
        return go_float_text(key, json_style=False)
    return key.string() if isinstance(key, GoTime) else str(key)


def go_json(value: Any, *, project_level: bool = False) -> str:
    """``value`` as ``encoding/json`` text, as Pulumi passes a list, map or number to the program: floats as Go
    writes them, a timestamp as ``Time.String()`` (from a stack file) or its RFC 3339 text (from ``Pulumi.yaml``).
    ``ValueError`` for NaN or an infinity."""
    if isinstance(value, GoTime):
        return json.dumps(value.rfc3339() if project_level else value.string())
    if isinstance(value, float):
        return go_float_text(value, json_style=True)
    if isinstance(value, dict):
        items = (f"{json.dumps(key_text(k))}:{go_json(v, project_level=project_level)}"
                 for k, v in sorted(value.items(), key=lambda item: key_text(item[0])))
        return "{" + ",".join(items) + "}"
    if isinstance(value, list):
        return "[" + ",".join(go_json(item, project_level=project_level) for item in value) + "]"
    return json.dumps(value)


_YAML11 = yaml.resolver.Resolver()


def yaml11_tag(text: str) -> str:
    """The tag a YAML 1.1 reader (PyYAML's resolver) gives ``text`` written plain (``tag:yaml.org,2002:bool``)."""
    return str(_YAML11.resolve(yaml.ScalarNode, text, (True, False)))


def plain_keeps(text: str) -> bool:
    """Whether ``text`` written as a plain scalar reads back as that same text, to go-yaml v3 and to YAML 1.1
    readers. go-yaml's own encoder quotes the same strings (``encode.go`` ``stringv``: plain only when ``resolve``
    gives ``!!str`` and it isn't a YAML 1.1 boolean or base-60 float)."""
    return resolve(text) == text and short_tag(yaml11_tag(text)) == STR


class Loader(yaml.SafeLoader):
    """PyYAML's parser and composer (YAML syntax, anchors, merge keys), with every scalar built as go-yaml v3
    decodes it into ``interface{}`` (:func:`scalar_value`), keys given twice refused, and non-string mapping keys
    spelled as Pulumi's config spells them (:func:`key_text`)."""

    def compose_scalar_node(self, anchor: str | None) -> yaml.ScalarNode:
        """The scalar node, marked plain (unquoted, untagged) or with its explicit tag."""
        event = self.peek_event()
        node = super().compose_scalar_node(anchor)
        node.plain = bool(event.implicit[0]) and event.style is None  # type: ignore[attr-defined]
        node.explicit_tag = event.tag if event.tag not in (None, "!") else None  # type: ignore[attr-defined]
        return node

    def compose_mapping_node(self, anchor: str | None) -> yaml.MappingNode:
        """The mapping node; a key written twice is go-yaml's error (``decode.go`` ``mapping``, ``uniqueKeys``:
        keys compared as written)."""
        node = super().compose_mapping_node(anchor)
        seen: dict[str, yaml.Node] = {}
        for key, _ in node.value:
            if isinstance(key, yaml.ScalarNode):
                first = seen.setdefault(key.value, key)
                if first is not key:
                    raise GoYamlError(f'mapping key "{key.value}" already defined at line {first.start_mark.line + 1}'
                                      ": the Pulumi CLI refuses a key given twice", key.start_mark)
        return node

    def construct_object(self, node: yaml.Node, deep: bool = False) -> Any:
        """A scalar by :func:`scalar_value`; collections as PyYAML builds them, from such scalars."""
        if isinstance(node, yaml.ScalarNode):
            return scalar_value(node)
        return super().construct_object(node, deep)

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        """The mapping (merge keys merged), its keys spelled by :func:`key_text` before they meet: ``1`` and
        ``true`` are two keys to Go, one to a Python dict."""
        self.flatten_mapping(node)
        mapping: dict[str, Any] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                raise yaml.constructor.ConstructorError("while constructing a mapping", node.start_mark,
                                                        "found a key that isn't a scalar", key_node.start_mark)
            mapping[key_text(self.construct_object(key_node))] = self.construct_object(value_node, deep=deep)
        return mapping


def scalar_value(node: yaml.ScalarNode) -> Any:
    """A scalar node of :class:`Loader` as go-yaml v3 decodes it: plain by :func:`resolve`, tagged for its tag,
    quoted or block as its text. :class:`GoYamlError` when the text doesn't fit an explicit tag."""
    tag = getattr(node, "explicit_tag", None)
    if tag is None and not getattr(node, "plain", False):
        return node.value
    try:
        return resolve(node.value, tag or "")
    except ValueError as error:
        raise GoYamlError(str(error), node.start_mark) from None


def load(text: str) -> Any:
    """The one YAML document in ``text``, as the Pulumi CLI decodes it (``yaml.YAMLError`` when it can't)."""
    loader = Loader(text)
    try:
        return loader.get_single_data()
    finally:
        loader.dispose()
