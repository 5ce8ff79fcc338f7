"""go-yaml v3's reading of plain scalars, and the text Pulumi's config makes of it (``replication.preview.go_yaml``).

Each expectation is go-yaml's (go-yaml/yaml branch v3, v3.0.1: ``resolve.go``), Go's (``strconv``, ``time.Parse``,
``encoding/json``, ``fmt``) or Pulumi's (``sdk/go/common/resource/config/object.go``), cited per case: the Pulumi
CLI can't run here, so the rules are read from that code. PyYAML's YAML 1.1 reading is shown beside where they
differ: that difference is what the offline reader exists for.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterator

import pytest
import yaml

from replication.preview.go_yaml import GoTime, GoYamlError, go_float_text, go_json, key_text, load, plain_keeps, resolve

READINGS = [
    # resolveMap: only these spellings are booleans, null, NaN and infinities
    ("true", True), ("True", True), ("TRUE", True), ("false", False), ("FALSE", False),
    ("~", None), ("null", None), ("Null", None), ("NULL", None), ("", None),
    (".inf", math.inf), ("+.Inf", math.inf), ("-.INF", -math.inf),
    # hint 'M' not in the map: a string (no YAML 1.1 booleans, no other spellings)
    ("yes", "yes"), ("No", "No"), ("on", "on"), ("OFF", "OFF"), ("y", "y"), ("tRUE", "tRUE"), ("NaN", "NaN"),
    ("nULL", "nULL"),
    # hint '.': strconv.ParseFloat of the text itself
    (".5", 0.5), (".5e3", 500.0), (".", "."), ("._5", "._5"), (".5_0", ".5_0"),
    # hint 'D'/'S': strconv.ParseInt(s, 0, 64) with '_' removed: Go's base prefixes, either case, and a sign
    ("0o17", 15), ("0O17", 15), ("0x1F", 31), ("0X1f", 31), ("0b101", 5), ("0B11", 3), ("017", 15), ("-017", -15),
    ("+12", 12), ("-0", 0), ("1_000", 1000), ("1__0_0", 100), ("0", 0), ("0x", "0x"), ("0b", "0b"),
    # ParseUint past int64, then yamlStyleFloat, then out of range: the text
    ("9223372036854775808", 9223372036854775808), ("18446744073709551615", 18446744073709551615),
    ("18446744073709551616", 18446744073709551616.0), ("-9223372036854775809", -9223372036854775809.0),
    ("1e3", 1000.0), ("1E+3", 1000.0), ("1.", 1.0), ("+.5", 0.5), ("08", 8.0), ("012345678901", 12345678901.0),
    ("1e400", "1e400"), ("0x1p3", "0x1p3"),
    # the 0b/0o fallbacks take a signed number after the prefix
    ("0b-101", -5), ("0o+17", 15), ("-0o17", -15), ("-0b-1", "-0b-1"),
    # base 60 is "purposefully unsupported"; anything else is text
    ("1:30", "1:30"), ("-1:30", "-1:30"), ("1.2.3", "1.2.3"), ("+", "+"), ("<<", "<<"), ("12 monkeys", "12 monkeys"),
]


@pytest.mark.parametrize(("written", "read"), READINGS, ids=[repr(w) for w, _ in READINGS])
def test_plain_scalars_resolve_as_go_yaml_v3_resolves_them(written: str, read: object) -> None:
    value = resolve(written)
    assert type(value) is type(read) and value == read


def test_nan_is_a_float() -> None:
    assert all(math.isnan(resolve(text)) for text in (".nan", ".NaN", ".NAN"))


def test_yaml_1_1_reads_many_of_them_otherwise() -> None:
    """What the offline reader did before (PyYAML): the difference go-yaml's resolver closes."""
    assert [yaml.safe_load(text) for text in ("0o17", "1e3", "yes", "1:30", "0X1F", "012345678901")] == [
        "0o17", "1e3", True, 90, "0X1F", "012345678901"]


TIMESTAMPS = [
    # parseTimestamp: four digits and '-', then time.Parse with each of allowedTimestampFormats in turn
    ("2001-12-14", "2001-12-14 00:00:00 +0000 UTC", "2001-12-14T00:00:00Z"),
    ("2001-1-2", "2001-01-02 00:00:00 +0000 UTC", "2001-01-02T00:00:00Z"),
    ("2001-12-14T21:59:43.10Z", "2001-12-14 21:59:43.1 +0000 UTC", "2001-12-14T21:59:43.1Z"),
    ("2001-12-14t21:59:43Z", "2001-12-14 21:59:43 +0000 UTC", "2001-12-14T21:59:43Z"),
    ("2001-1-2T3:4:5Z", "2001-01-02 03:04:05 +0000 UTC", "2001-01-02T03:04:05Z"),
    ("2001-12-14 21:59:43.123456789123", "2001-12-14 21:59:43.123456789 +0000 UTC", "2001-12-14T21:59:43.123456789Z"),
    ("2001-12-14   21:59:43,5", "2001-12-14 21:59:43.5 +0000 UTC", "2001-12-14T21:59:43.5Z"),
    ("2000-02-29", "2000-02-29 00:00:00 +0000 UTC", "2000-02-29T00:00:00Z"),
]


@pytest.mark.parametrize(("written", "string", "rfc3339"), TIMESTAMPS)
def test_timestamps_are_go_times_and_reach_a_program_as_time_string(written: str, string: str, rfc3339: str) -> None:
    """Decoded into interface{} a timestamp is a time.Time (decode.go ``scalar``); Pulumi's config turns it into
    ``v.String()`` (stack file) or JSON's RFC 3339 text (``Pulumi.yaml``)."""
    value = resolve(written)
    assert isinstance(value, GoTime)
    assert (value.string(), value.rfc3339()) == (string, rfc3339)


@pytest.fixture
def local_zone(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[str], None]]:
    """Sets the machine's zone (``TZ``) for the test."""
    def set_zone(name: str) -> None:
        monkeypatch.setenv("TZ", name)
        time.tzset()
    yield set_zone
    monkeypatch.undo()
    time.tzset()


def test_an_offset_zone_is_the_local_zone_when_it_has_that_offset(local_zone: Callable[[str], None]) -> None:
    """time.Parse uses Local when Local has the written offset at that time, else FixedZone("", offset), whose
    String prints the offset again: the text depends on the machine, for the CLI as here."""
    local_zone("UTC")
    value = resolve("2001-12-14T21:59:43.10-05:00")
    assert value.string() == "2001-12-14 21:59:43.1 -0500 -0500"
    assert value.rfc3339() == "2001-12-14T21:59:43.1-05:00"
    local_zone("EST5EDT")
    assert value.string() == "2001-12-14 21:59:43.1 -0500 EST"


@pytest.mark.parametrize("written", [
    "2001-12-14 21:59:43.10 -5",  # YAML 1.1's example: time.Parse has no layout for it
    "2001-02-29",  # day out of range
    "2001-13-01", "2001-12-14T24:00:00Z", "2001-12-14T21:59:60Z", "2001-12-14T21:59:43",  # no zone after T
    "2001-12-14T21:59:43+05", "20011-12-14", "2001-12-14x",
])
def test_what_time_parse_refuses_is_not_a_timestamp(written: str) -> None:
    assert resolve(written) == written


@pytest.mark.parametrize(("tag", "written", "read"), [
    ("tag:yaml.org,2002:str", "012", "012"), ("tag:yaml.org,2002:int", "0o17", 15),
    ("tag:yaml.org,2002:float", "1", 1.0), ("!custom", "0o17", "0o17"), ("tag:yaml.org,2002:binary", "aGk=", "hi"),
])
def test_an_explicit_tag_is_resolved_for_that_tag(tag: str, written: str, read: object) -> None:
    value = resolve(written, tag)
    assert type(value) is type(read) and value == read


def test_a_tag_the_text_does_not_fit_is_go_yaml_s_error() -> None:
    with pytest.raises(ValueError, match=r"cannot decode !!str `yes` as a !!bool"):
        resolve("yes", "tag:yaml.org,2002:bool")


@pytest.mark.parametrize(("number", "as_json", "as_v"), [
    # encoding/json: %f form, %e below 1e-6 or from 1e21, "e-07" cleaned to "e-7"; fmt %v: strconv 'g' with -1
    (1000.0, "1000", "1000"), (1.5, "1.5", "1.5"), (1e6, "1000000", "1e+06"), (123456.0, "123456", "123456"),
    (12345678901.0, "12345678901", "1.2345678901e+10"), (1e21, "1e+21", "1e+21"), (1e20, "100000000000000000000", "1e+20"),
    (1e-6, "0.000001", "1e-06"), (1e-7, "1e-7", "1e-07"), (0.0001, "0.0001", "0.0001"), (0.00001, "0.00001", "1e-05"),
    (-0.0, "-0", "-0"), (0.1, "0.1", "0.1"), (5e-324, "5e-324", "5e-324"),
])
def test_floats_are_written_as_go_writes_them(number: float, as_json: str, as_v: str) -> None:
    assert (go_float_text(number, json_style=True), go_float_text(number, json_style=False)) == (as_json, as_v)


def test_json_has_no_nan_nor_infinity() -> None:
    """encoding/json's floatEncoder: UnsupportedValueError; fmt spells them."""
    with pytest.raises(ValueError, match="unsupported value"):
        go_json([1, math.inf])
    assert [go_float_text(v, json_style=False) for v in (math.nan, math.inf, -math.inf)] == ["NaN", "+Inf", "-Inf"]


def test_a_document_decodes_as_pulumi_holds_it() -> None:
    """Keys resolved then spelled by %v (config/object.go, map[any]any), 1 and true two keys; quoted and tagged
    scalars as written; merge keys merged, explicit keys winning."""
    document = load("base: &b {a: 1, c: 0x10}\n"
                    "x: [0o17, '0o17', !!str 017, !!float 1, {1: one, true: yes, 1.5e6: big, ~: none, 2001-12-14: d}]\n"
                    "y:\n  <<: *b\n  a: 2\n")
    assert document == {"base": {"a": 1, "c": 16},
                        "x": [15, "0o17", "017", 1.0, {"1": "one", "true": "yes", "1.5e+06": "big", "<nil>": "none",
                                                       "2001-12-14 00:00:00 +0000 UTC": "d"}],
                        "y": {"a": 2, "c": 16}}
    assert go_json(document["x"]) == '[15,"0o17","017",1,{"1":"one","1.5e+06":"big",' \
                                     '"2001-12-14 00:00:00 +0000 UTC":"d","<nil>":"none","true":"yes"}]'
    assert key_text(resolve("2001-12-14")) == "2001-12-14 00:00:00 +0000 UTC"


def test_a_key_given_twice_is_an_error_as_for_go_yaml() -> None:
    """decode.go ``mapping`` with uniqueKeys: keys compared as written, so 1 and "1" clash, 1 and 0x1 don't."""
    with pytest.raises(GoYamlError) as raised:
        load("config:\n  a: 1\n  b: 2\n  'a': 3\n")
    assert (raised.value.line, raised.value.problem) == (
        4, 'mapping key "a" already defined at line 2: the Pulumi CLI refuses a key given twice')
    assert load("{1: a, 0x1: b}") == {"1": "b"}


@pytest.mark.parametrize(("text", "keeps"), [
    ("prod/", True), ("a b", True), ("-x", True), ("0o17/", True), ("2001-12-14x", True),
    ("0o17", False), ("1e3", False), ("012", False), ("true", False), ("null", False), ("~", False), ("", False),
    ("2001-12-14", False), ("+12", False), ("1_000", False),
    ("yes", False), ("On", False), ("1:30", False), ("2001-12-14 21:59:43.10 -5", False),  # YAML 1.1 only
])
def test_plain_keeps_only_what_both_readers_read_as_the_text(text: str, keeps: bool) -> None:
    """go-yaml's encoder (encode.go ``stringv``) quotes what resolves to another tag and YAML 1.1's booleans and
    base-60 numbers; the writer quotes as much."""
    assert plain_keeps(text) is keeps
