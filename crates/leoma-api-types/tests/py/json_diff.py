"""CPython side of the differential test in tests/json_cpython.rs.

Usage: json_diff.py COUNT SEED

1. Forward: every stdin line is a JSON document (written by the Rust encoder). For each, write
   json.dumps(json.loads(line)) in the five SPEC 3.1 styles, each followed by a NUL byte.
2. Reverse: generate COUNT random values with random.Random(SEED); for each write the five styles,
   then a whitespace-heavy dump, then an ensure_ascii=False UTF-8 dump (empty when the value holds a
   lone surrogate, which UTF-8 cannot carry), each followed by a NUL byte.

Dumps never contain NUL: every control character is escaped even with ensure_ascii=False.
"""

import json
import random
import struct
import sys

STYLES = [
    dict(sort_keys=True),
    dict(sort_keys=True, separators=(",", ":")),
    dict(),
    dict(separators=(",", ":")),
    dict(indent=2),
]

NICE_FLOATS = [
    0.0, -0.0, 1.0, -1.0, 0.1, 100.0, 1e16, 1e15, 1e-4, 1e-5, 1.5e-7, 5e-324,
    1.7976931348623157e308, 2.2250738585072014e-308, 1.2345678901234568e17,
    float("nan"), float("inf"), float("-inf"), 123456789012345.6, 9999999999999998.0,
]

CP_RANGES = [
    (0x20, 0x7E), (0x20, 0x7E), (0x00, 0x1F), (0x7F, 0xFF), (0x100, 0xD7FF),
    (0xD800, 0xDFFF), (0xE000, 0xFFFF), (0x10000, 0x10FFFF),
]


def gen_str(rng):
    out = []
    for _ in range(rng.randrange(0, 9)):
        lo, hi = rng.choice(CP_RANGES)
        cp = rng.randint(lo, hi)
        # A high surrogate followed by a low one would read back as one astral character.
        if out and 0xD800 <= out[-1] <= 0xDBFF and 0xDC00 <= cp <= 0xDFFF:
            cp = 0x78
        out.append(cp)
    return "".join(map(chr, out))


def gen_float(rng):
    kind = rng.randrange(4)
    if kind == 0:
        return struct.unpack("<d", rng.getrandbits(64).to_bytes(8, "little"))[0]
    if kind == 1:
        return rng.choice(NICE_FLOATS)
    if kind == 2:
        return round(rng.uniform(-1000, 1000), rng.randrange(0, 8))
    return rng.random() * 10.0 ** rng.randint(-30, 30)


def gen_int(rng):
    kind = rng.randrange(3)
    if kind == 0:
        return rng.randint(-1000, 1000)
    if kind == 1:
        return rng.randint(-(2**63), 2**63)
    return rng.randint(-(10**60), 10**60)


def gen_value(rng, depth):
    kind = rng.randrange(10 if depth < 4 else 7)
    if kind == 0:
        return None
    if kind == 1:
        return rng.random() < 0.5
    if kind == 2:
        return gen_int(rng)
    if kind in (3, 4):
        return gen_float(rng)
    if kind in (5, 6):
        return gen_str(rng)
    if kind in (7, 8):
        return {gen_str(rng): gen_value(rng, depth + 1) for _ in range(rng.randrange(0, 6))}
    return [gen_value(rng, depth + 1) for _ in range(rng.randrange(0, 6))]


def main():
    count, seed = int(sys.argv[1]), int(sys.argv[2])
    out = sys.stdout.buffer

    def emit(data):
        out.write(data)
        out.write(b"\0")

    for line in sys.stdin.buffer:
        value = json.loads(line)
        for kwargs in STYLES:
            emit(json.dumps(value, **kwargs).encode("ascii"))

    rng = random.Random(seed)
    for _ in range(count):
        value = gen_value(rng, 0)
        for kwargs in STYLES:
            emit(json.dumps(value, **kwargs).encode("ascii"))
        emit(json.dumps(value, indent="\t", separators=(" ,\r\n", " : ")).encode("ascii"))
        try:
            emit(json.dumps(value, ensure_ascii=False).encode("utf-8"))
        except UnicodeEncodeError:
            emit(b"")
    out.flush()


if __name__ == "__main__":
    main()
