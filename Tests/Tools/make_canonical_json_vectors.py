#!/usr/bin/env python3
"""Writes Tests/Vectors/canonical-json.json: inputs -> canonical bytes, and rejected inputs.

An independent implementation of Specs/canonical-json.md: Python's json module parses
(numbers as exact Decimals, members as ordered pairs), and this script applies the stated
rules itself (UTF-8 check, duplicate keys, lone surrogates, depth, number range, key
order by UTF-8 bytes, minimal escapes, the number layout). It shares no code with the
Swift target. For each rejected input the expected code is written here by hand, and the
script asserts that its own checks reach the same code.

Usage: python3 Tests/Tools/make_canonical_json_vectors.py [OUTPUT]
"""
import json
import sys
from decimal import Decimal
from pathlib import Path

MAX_DEPTH = 64
MAX_EXPONENT = 999_999_999_999_999


class Obj(list):
    """An object: a list of (name, value) pairs in document order."""


class Refused(Exception):
    def __init__(self, code):
        super().__init__(code)
        self.code = code


def pairs_hook(pairs):
    names = [name for name, _ in pairs]
    # Names compare by their UTF-8 bytes; for valid scalars that is code-point equality.
    if len(set(names)) != len(names):
        raise Refused("duplicate-key")
    return Obj(pairs)


def reject_constant(name):
    raise Refused("invalid-syntax")  # NaN, Infinity, -Infinity are not JSON


def walk(value, depth, visit):
    """Calls visit(kind, value, depth) for every value; depth counts enclosing arrays/objects."""
    if isinstance(value, Obj):
        visit("container", value, depth + 1)
        for name, member in value:
            visit("string", name, depth + 1)
            walk(member, depth + 1, visit)
    elif isinstance(value, list):
        visit("container", value, depth + 1)
        for item in value:
            walk(item, depth + 1, visit)
    elif isinstance(value, str):
        visit("string", value, depth)
    elif isinstance(value, Decimal):
        visit("number", value, depth)


def adjusted_exponent(number):
    """n - 1 of the canonical form: the power of ten of the first significant digit."""
    _, digits, exponent = number.as_tuple()
    digits = list(digits)
    while digits and digits[-1] == 0:
        digits.pop()
        exponent += 1
    if not any(digits):
        return 0
    while digits and digits[0] == 0:
        digits.pop(0)
    return len(digits) + exponent - 1


def parse(data, require_object):
    """The value of `data`, or raises Refused(code) with the spec's error code."""
    try:
        text = data.decode("utf-8", errors="strict")
    except UnicodeDecodeError:
        raise Refused("invalid-utf8")
    try:
        value = json.loads(text, object_pairs_hook=pairs_hook, parse_float=Decimal,
                           parse_int=Decimal, parse_constant=reject_constant)
    except json.JSONDecodeError as error:
        raise Refused("trailing-bytes" if error.msg == "Extra data" else "invalid-syntax")

    found = []

    def visit(kind, item, depth):
        if kind == "container" and depth > MAX_DEPTH:
            found.append("nesting-too-deep")
        if kind == "string" and any(0xD800 <= ord(c) <= 0xDFFF for c in item):
            found.append("lone-surrogate")
        if kind == "number" and abs(adjusted_exponent(item)) > MAX_EXPONENT:
            found.append("number-out-of-range")

    walk(value, 0, visit)
    if found:
        raise Refused(found[0])
    if require_object and not isinstance(value, Obj):
        raise Refused("not-an-object")
    return value


def number_text(number):
    """ECMAScript's Number-to-String layout applied to the exact decimal value."""
    sign, digits, exponent = number.as_tuple()
    digits = list(digits)
    while digits and digits[-1] == 0:
        digits.pop()
        exponent += 1
    while digits and digits[0] == 0:
        digits.pop(0)
    if not digits:
        return "0"
    s = "".join(str(d) for d in digits)
    k = len(s)
    n = k + exponent
    if k <= n <= 21:
        body = s + "0" * (n - k)
    elif 0 < n <= 21:
        body = s[:n] + "." + s[n:]
    elif -6 < n <= 0:
        body = "0." + "0" * (-n) + s
    else:
        e = n - 1
        body = s[0] + ("." + s[1:] if k > 1 else "") + "e" + ("+" if e >= 0 else "-") + str(abs(e))
    return ("-" if sign else "") + body


ESCAPES = {'"': '\\"', "\\": "\\\\", "\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r", "\t": "\\t"}


def string_text(s):
    out = []
    for c in s:
        if c in ESCAPES:
            out.append(ESCAPES[c])
        elif ord(c) < 0x20:
            out.append("\\u%04x" % ord(c))
        else:
            out.append(c)
    return '"' + "".join(out) + '"'


def canonical(value):
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, Decimal):
        return number_text(value)
    if isinstance(value, str):
        return string_text(value)
    if isinstance(value, Obj):
        members = sorted(value, key=lambda pair: pair[0].encode("utf-8"))
        return "{" + ",".join(string_text(k) + ":" + canonical(v) for k, v in members) + "}"
    if isinstance(value, list):
        return "[" + ",".join(canonical(v) for v in value) + "]"
    raise TypeError(type(value))


def nested(depth):
    return ("[" * (depth - 1) + '{"a":' + "1" + "}" + "]" * (depth - 1)).encode()


B = lambda s: s.encode("utf-8")

# (name, input bytes, require_object)
ACCEPTED = [
    ("keys are sorted", B('{"b":1,"a":2,"c":3}'), True),
    ("keys sort by UTF-8 bytes, not UTF-16 units (U+FF61 before U+1F600)", B('{"\\ud83d\\ude00":1,"\\uff61":2}'), True),
    ("keys: uppercase before lowercase, prefix first, empty first", B('{"aa":1,"a":2,"A":3,"":4,"b":5}'), True),
    ("keys: non-ASCII after ASCII", B('{"\u00e9":1,"z":2}'), True),
    ("keys equal under NFC but different bytes are two keys", B('{"\u00e9":1,"e\u0301":2}'), True),
    ("nested objects are sorted too", B('{"z":{"y":1,"x":[{"b":1,"a":2}]},"a":null}'), True),
    ("insignificant whitespace is dropped", B(' {\n\t"a" : [ 1 , 2 ] ,\r\n "b":{ } } \n'), True),
    ("slash escape becomes a raw slash", B('{"url":"https:\\/\\/example.org\\/a"}'), True),
    ("\\u00e9 becomes raw UTF-8", B('{"name":"Ren\\u00e9e"}'), True),
    ("uppercase hex escapes are decoded too", B('{"a":"\\u00C9\\u0041"}'), True),
    ("a surrogate pair becomes one raw scalar", B('{"a":"\\ud83d\\ude00"}'), True),
    ("raw non-ASCII stays raw", B('{"a":"\u00e9\u4e2d\U0001f600\u2028"}'), True),
    ("short escapes are kept", B('{"a":"\\b\\f\\n\\r\\t"}'), True),
    ("other control characters as lowercase \\u00xx", B('{"a":"\\u0000\\u0001\\u001F\\u000b"}'), True),
    ("quote and backslash are escaped", B('{"a":"\\"\\\\"}'), True),
    ("DEL and U+0080 are not escaped", B('{"a":"\\u007f\\u0080"}'), True),
    ("literals", B('{"t":true,"f":false,"n":null}'), True),
    ("empty object", B("{}"), True),
    ("empty array and string", B('{"a":[],"b":""}'), True),
    ("nesting at the limit (64)", nested(64), False),
    ("a top-level array is a JSON value", B("[1,\"a\",null]"), False),
    ("a top-level string is a JSON value", B('"\\/"'), False),
    ("the worked example of Specs/canonical-json.md section 6",
     B('{ "url":"https:\\/\\/x.org", "name":"Ren\\u00e9e",\n  "n":[1.50, -0, 1E21, 0.0000001], "b":{"\u00e9":true,"z":null,"tab":"a\\tb\\u001F"} }'), True),
]
NUMBERS = [
    "0", "-0", "0.0", "-0.0", "0e0", "0E+7", "-0e-7", "1", "-1", "10", "100", "1.0", "1.50", "15e-1", "0.15E1",
    "1e2", "1E2", "1e+2", "100e-2", "123456789012345678901", "1234567890123456789012", "1e20", "1e21",
    "100000000000000000000", "1000000000000000000000", "0.1", "0.000001", "0.0000001", "1e-6", "1e-7",
    "123.456", "-123.456e3", "1.5e300", "-1.5e-300", "9223372036854775807", "-9223372036854775808",
    "18446744073709551616", "3.141592653589793238462643383279", "5e-324", "1.7976931348623157e308",
    "0.30000000000000004", "1e999999999999999", "-1e-999999999999999", "12345e999999999999995", "1e99999999999",
    "0.000000000000000000000000000001e30",
]
for text in NUMBERS:
    ACCEPTED.append(("number " + text, B('{"n":' + text + "}"), True))

REJECTED = [
    ("duplicate key", B('{"a":1,"a":2}'), True, "duplicate-key"),
    ("duplicate key spelled with an escape", B('{"a":1,"\\u0061":2}'), True, "duplicate-key"),
    ("duplicate key in a nested object", B('{"x":[{"k":1,"j":2,"k":3}]}'), True, "duplicate-key"),
    ("duplicate key among many", B("{" + ",".join('"k%d":%d' % (i, i) for i in range(20)) + ',"k7":0}'), True, "duplicate-key"),
    ("lone high surrogate", B('{"a":"\\ud800"}'), True, "lone-surrogate"),
    ("lone low surrogate", B('{"a":"\\udc00"}'), True, "lone-surrogate"),
    ("high surrogate then a letter", B('{"a":"\\ud800x"}'), True, "lone-surrogate"),
    ("high surrogate then a non-surrogate escape", B('{"a":"\\ud800\\u0041"}'), True, "lone-surrogate"),
    ("two high surrogates", B('{"a":"\\ud800\\ud800"}'), True, "lone-surrogate"),
    ("reversed pair", B('{"a":"\\ude00\\ud83d"}'), True, "lone-surrogate"),
    ("lone surrogate in a key", B('{"\\ud800":1}'), True, "lone-surrogate"),
    ("invalid UTF-8: 0xFF in a string", b'{"a":"\xff"}', True, "invalid-utf8"),
    ("invalid UTF-8: overlong slash", b'{"a":"\xc0\xaf"}', True, "invalid-utf8"),
    ("invalid UTF-8: encoded surrogate (CESU)", b'{"a":"\xed\xa0\x80"}', True, "invalid-utf8"),
    ("invalid UTF-8: truncated sequence", b'{"a":"\xe2\x82"}', True, "invalid-utf8"),
    ("invalid UTF-8: beyond U+10FFFF", b'{"a":"\xf4\x90\x80\x80"}', True, "invalid-utf8"),
    ("invalid UTF-8: lone continuation byte outside a string", b'{"a":1}\x80', True, "invalid-utf8"),
    ("invalid UTF-8: in a key", b'{"\xfe":1}', True, "invalid-utf8"),
    ("trailing garbage", B('{"a":1} x'), True, "trailing-bytes"),
    ("two objects", B("{}{}"), True, "trailing-bytes"),
    ("trailing comma after the object", B('{"a":1},'), True, "trailing-bytes"),
    ("trailing valid UTF-8 letter", B('{"a":1}\u00e9'), True, "trailing-bytes"),
    ("nesting past the limit (65)", nested(65), False, "nesting-too-deep"),
    ("a top-level array where an object is required", B("[1]"), True, "not-an-object"),
    ("a top-level string where an object is required", B('"a"'), True, "not-an-object"),
    ("a top-level number where an object is required", B("1"), True, "not-an-object"),
    ("null where an object is required", B("null"), True, "not-an-object"),
    ("number exponent too large", B('{"n":1e1000000000000000}'), True, "number-out-of-range"),
    ("number exponent too small", B('{"n":1e-1000000000000000}'), True, "number-out-of-range"),
    ("empty input", b"", True, "invalid-syntax"),
    ("only whitespace", b" \n\t", True, "invalid-syntax"),
    ("byte-order mark", b'\xef\xbb\xbf{"a":1}', True, "invalid-syntax"),
    ("single quotes", B("{'a':1}"), True, "invalid-syntax"),
    ("trailing comma in an object", B('{"a":1,}'), True, "invalid-syntax"),
    ("trailing comma in an array", B('{"a":[1,]}'), True, "invalid-syntax"),
    ("missing colon", B('{"a" 1}'), True, "invalid-syntax"),
    ("missing comma", B('{"a":1 "b":2}'), True, "invalid-syntax"),
    ("unquoted key", B("{a:1}"), True, "invalid-syntax"),
    ("NaN", B('{"n":NaN}'), True, "invalid-syntax"),
    ("Infinity", B('{"n":Infinity}'), True, "invalid-syntax"),
    ("-Infinity", B('{"n":-Infinity}'), True, "invalid-syntax"),
    ("leading zero", B('{"n":01}'), True, "invalid-syntax"),
    ("plus sign", B('{"n":+1}'), True, "invalid-syntax"),
    ("fraction without digits", B('{"n":1.}'), True, "invalid-syntax"),
    ("fraction without integer part", B('{"n":.5}'), True, "invalid-syntax"),
    ("exponent without digits", B('{"n":1e}'), True, "invalid-syntax"),
    ("hex number", B('{"n":0x10}'), True, "invalid-syntax"),
    ("invalid escape", B('{"a":"\\x"}'), True, "invalid-syntax"),
    ("short \\u escape", B('{"a":"\\u12"}'), True, "invalid-syntax"),
    ("raw newline in a string", B('{"a":"x\ny"}'), True, "invalid-syntax"),
    ("raw tab in a string", B('{"a":"x\ty"}'), True, "invalid-syntax"),
    ("unterminated string", B('{"a":"x'), True, "invalid-syntax"),
    ("unterminated object", B('{"a":1'), True, "invalid-syntax"),
    ("misspelled literal", B('{"a":tru}'), True, "invalid-syntax"),
    ("capitalised literal", B('{"a":True}'), True, "invalid-syntax"),
    ("comment", B('{"a":1 /* no */}'), True, "invalid-syntax"),
]


def main():
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parents[1] / "Vectors" / "canonical-json.json"
    accepted = []
    for name, data, require_object in ACCEPTED:
        text = canonical(parse(data, require_object)).encode("utf-8")
        # The canonical form is a fixed point: it parses to itself.
        assert canonical(parse(text, require_object)).encode("utf-8") == text, name
        accepted.append({"name": name, "require_object": require_object, "input_hex": data.hex(),
                         "canonical_hex": text.hex(), "canonical": text.decode("utf-8")})
    rejected = []
    for name, data, require_object, code in REJECTED:
        try:
            parse(data, require_object)
        except Refused as refused:
            assert refused.code == code, f"{name}: expected {code}, this script says {refused.code}"
        else:
            raise AssertionError(f"{name}: accepted, expected {code}")
        rejected.append({"name": name, "require_object": require_object, "input_hex": data.hex(), "error": code})
    document = {
        "description": "Canonical JSON (Specs/canonical-json.md): inputs and their canonical bytes; rejected inputs and their error code.",
        "generator": "Tests/Tools/make_canonical_json_vectors.py",
        "max_depth": MAX_DEPTH,
        "accepted": accepted,
        "rejected": rejected,
    }
    out.write_text(json.dumps(document, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"{out}: {len(accepted)} accepted, {len(rejected)} rejected")


if __name__ == "__main__":
    main()
