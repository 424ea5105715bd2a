"""Regenerates ``java_time_golden.json`` with a real JDK: ``python make_java_time_golden.py``.

The fixture pins ``java_time`` to ``DateTimeFormatter.ofPattern(pattern, Locale.US)``: random
patterns over the supported letters (and some Java rejects) at instants chosen around year,
week and DST boundaries, in zones with whole, half-hour and negative offsets.
"""

from __future__ import annotations

import json
import random
import subprocess
from pathlib import Path

HERE = Path(__file__).parent
LETTERS = {
    "G": 5, "y": 5, "u": 5, "Y": 5, "M": 5, "L": 5, "Q": 5, "q": 5, "d": 2, "D": 3, "E": 5,
    "e": 5, "c": 5, "a": 1, "H": 2, "k": 2, "K": 2, "h": 2, "m": 2, "s": 2, "S": 9, "w": 2,
    "W": 1, "V": 2, "z": 3, "O": 4, "X": 5, "x": 5, "Z": 5,
}  # fmt: skip
ZONES = ["UTC", "Asia/Tokyo", "America/New_York", "Asia/Kolkata", "Europe/Paris",
         "America/St_Johns", "Australia/Lord_Howe"]  # fmt: skip
INSTANTS = [
    (1679514978, 123456000), (1546128000, 0), (1546214399, 999999000), (1577836800, 5000),
    (1609459199, 0), (1293753600, 42000), (951782400, 0), (1710054000, 0), (1730595600, 0),
    (1893456000, 7000000), (4102444799, 0), (-14182940, 0), (0, 0), (1104537600, 0),
]  # fmt: skip
FIXED = [
    "yyyy/MM/dd/HH/", "'year='yyyy'/month='MM", "YYYY-ww-e", "yyyy-MM-dd-HH-mm-ss", "''",
    "'it''s' h:mm a", "[yyyy][MM]", "yyyy-MM-dd'T'HH:mm:ss.SSSXXX", "DDD D DD", "uuuu yy y yyyyy",
    "b", "yyyy-MM-dd#", "{", "]", "'open", "MMMMMM", "ddd", "EEEEEE", "aa", "SSSSSSSSSS",
    "V", "VVV", "zzzzz", "OO", "XXXXXX", "xxxxxx", "ZZZZZZ", "cc", "ww w", "WW", "HHH", "f",
]  # fmt: skip


def random_pattern(rng: random.Random) -> str:
    parts = []
    for _ in range(rng.randint(1, 5)):
        roll = rng.random()
        if roll < 0.7:
            letter = rng.choice(sorted(LETTERS))
            parts.append(letter * rng.randint(1, LETTERS[letter]))
        elif roll < 0.85:
            parts.append(rng.choice(["/", "-", " ", ":", ".", "_", "="]))
        else:
            parts.append("'" + rng.choice(["T", "at", "x''y", "day="]) + "'")
    return "".join(parts)


def main() -> None:
    rng = random.Random(20260101)
    patterns = FIXED + [random_pattern(rng) for _ in range(500)]
    cases = []
    for pattern in patterns:
        for _ in range(3):
            seconds, nanos = rng.choice(INSTANTS)
            cases.append([pattern, seconds, nanos, rng.choice(ZONES)])
    lines = "".join(f"{p}\t{s}\t{n}\t{z}\n" for p, s, n, z in cases)
    out = subprocess.run(
        ["java", str(HERE / "JavaTimeGolden.java")],
        input=lines,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.splitlines()
    rows = [[*case, result] for case, result in zip(cases, out, strict=True)]
    text = "[\n" + ",\n".join(json.dumps(row, ensure_ascii=False) for row in rows) + "\n]\n"
    (HERE / "java_time_golden.json").write_text(text)


if __name__ == "__main__":
    main()
