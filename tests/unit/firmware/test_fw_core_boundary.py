"""The firmware core stays portable: no Arduino/ESP-IDF header, no Arduino call, no heap, no
I/O. The check is a test so the boundary is kept by a machine, not by hope."""

from __future__ import annotations

import re
from pathlib import Path

CORE = Path(__file__).resolve().parents[3] / "firmware" / "core"

ALLOWED_STD_HEADERS = {"cmath", "cstddef", "cstdint", "cstring", "string_view"}
# mbedTLS is portable C (ESP-IDF ships it, Debian packages it): the signature checks use it.
ALLOWED_MBEDTLS_HEADERS = {"mbedtls/base64.h", "mbedtls/ecp.h", "mbedtls/md.h", "mbedtls/pk.h"}
_INCLUDE = re.compile(r'^\s*#\s*include\s*[<"]([^>"]+)[>"]', re.MULTILINE)
# Arduino / ESP-IDF / FreeRTOS calls and types, heap and I/O the core must not touch
# (a name after `::` is a member of the core's own types, e.g. JsonType::Str).
_FORBIDDEN = re.compile(
    r"(?<!::)\b(millis|micros|delay|delayMicroseconds|digitalWrite|digitalRead|pinMode|analogRead|"
    r"analogWrite|attachInterrupt|Serial\d?|Wire|WiFi\w*|ESP|esp_\w+|vTaskDelay|xTask\w+|"
    r"String|malloc|calloc|realloc|free|new|delete|printf|fprintf|puts|fopen|std::string|"
    r"std::vector|std::map|std::cout|std::cerr)\b(?!_view)"
)


def _strip_comments_and_strings(code: str) -> str:
    code = re.sub(r"//[^\n]*", "", code)
    code = re.sub(r"/\*.*?\*/", "", code, flags=re.DOTALL)
    code = re.sub(r"=\s*delete\s*;", ";", code)  # a deleted function frees nothing
    return re.sub(r'"(?:\\.|[^"\\\n])*"', '""', code)


def violations(name: str, code: str) -> list[str]:
    """Everything in one core source that breaks the boundary, as readable findings."""
    found = []
    for header in _INCLUDE.findall(code):
        own = header.startswith("gl_") and header.endswith(".h")
        if not own and header not in ALLOWED_STD_HEADERS | ALLOWED_MBEDTLS_HEADERS:
            found.append(f"{name}: includes <{header}>")
    for match in _FORBIDDEN.finditer(_strip_comments_and_strings(code)):
        found.append(f"{name}: uses {match.group(0)}")
    return found


def test_the_check_catches_what_it_should() -> None:
    bad = '#include <Arduino.h>\nvoid f() { delay(5); auto* p = new int; Serial.println("x"); }'
    assert violations("bad.cpp", bad) == [
        "bad.cpp: includes <Arduino.h>",
        "bad.cpp: uses delay",
        "bad.cpp: uses new",
        "bad.cpp: uses Serial",
    ]
    ok = '#include "gl_text.h"\n#include <string_view>\n// delay() in a comment\nauto s = "millis";'
    assert violations("ok.cpp", ok) == []
    assert violations("ok.h", "if (t == JsonType::Str) {}") == []
    assert violations("ok.h", "A(const A&) = delete;") == []
    assert violations("bad.h", "delete p;") == ["bad.h: uses delete"]


def test_core_sources_keep_the_boundary() -> None:
    sources = sorted([*CORE.glob("*.h"), *CORE.glob("*.cpp")])
    assert len(sources) >= 10
    found = [v for path in sources for v in violations(path.name, path.read_text())]
    assert found == []
