"""Lower layers never import upper ones: the emulator never imports the bench; the runtime
packages never import benchmarks or test code; `grouploop`, the lowest layer, imports none of
the other packages. Formats both need (ESP images, partitions, frames) live in `grouploop`.

Imports are read with `ast`, nothing is executed: every `import` and `from … import`
statement, at any depth (inside functions too), relative ones resolved. Importing a module by
a name in a string (`importlib.import_module`, as the `grouploop` command picks the
subcommand's package) is not an import statement and is not checked. Like the firmware core's
boundary test (tests/unit/firmware/test_fw_core_boundary.py), the check is tested first.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
RUNTIME = ("grouploop", "hub", "cdn", "emulator", "bench", "web", "pytest_embedded_grouploop")

#: (packages the rule binds, packages they must not import, why)
RULES = (
    (("emulator",), ("bench",), "the emulator never imports the bench"),
    (RUNTIME, ("benchmarks",), "runtime packages never import benchmarks"),
    (RUNTIME, ("tests",), "runtime packages never import test code"),
    (
        ("grouploop",),
        tuple(p for p in RUNTIME if p != "grouploop"),
        "grouploop, the lowest layer, imports no other",
    ),
)


def _module_name(path: str) -> tuple[str, bool]:
    """`a/b/c.py` -> ("a.b.c", False); `a/b/__init__.py` -> ("a.b", True)."""
    parts = path.removesuffix(".py").split("/")
    if parts[-1] == "__init__":
        return ".".join(parts[:-1]), True
    return ".".join(parts), False


def imports(path: str, code: str) -> list[tuple[int, str]]:
    """(line, absolute module name) of every import statement in the file at `path`."""
    module, is_package = _module_name(path)
    package = module.split(".") if is_package else module.split(".")[:-1]
    found: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(code, filename=path)):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = package[: len(package) - node.level + 1] if node.level else []
            if node.module is not None:
                found.append((node.lineno, ".".join([*base, node.module])))
            else:  # `from . import x`: x is a module of the package
                found += [(node.lineno, ".".join([*base, a.name])) for a in node.names]
    return found


def violations(path: str, code: str) -> list[str]:
    """Every import in the file at `path` (relative to the repository root) that a rule forbids."""
    top = path.split("/")[0]
    found = []
    for line, name in sorted(imports(path, code)):
        imported = name.split(".")[0]
        for importers, forbidden, why in RULES:
            if top in importers and imported in forbidden and imported != top:
                found.append(f"{path}:{line}: imports {name}: {why}")
    return found


def test_the_check_catches_what_it_should() -> None:
    bad_board = "import asyncio\nfrom bench.image import parse_app_image\n"
    assert violations("emulator/board/board.py", bad_board) == [
        "emulator/board/board.py:2: imports bench.image: the emulator never imports the bench"
    ]
    bad_hub = (
        "def f():\n    import tests.support.timing\n    from benchmarks.loadgen import codec\n"
    )
    assert violations("hub/core.py", bad_hub) == [
        "hub/core.py:2: imports tests.support.timing: runtime packages never import test code",
        "hub/core.py:3: imports benchmarks.loadgen: runtime packages never import benchmarks",
    ]
    relative = "from ... import hub\nfrom ..frame import Frame\n"  # grouploop.esp.x -> hub
    assert violations("grouploop/esp/x.py", relative) == [
        "grouploop/esp/x.py:1: imports hub: grouploop, the lowest layer, imports no other"
    ]
    assert violations("grouploop/__init__.py", "from . import frame\nimport web.server\n") == [
        "grouploop/__init__.py:2: imports web.server: grouploop, the lowest layer, imports no other"
    ]
    allowed = {
        "emulator/board/boot.py": "from grouploop.esp.image import parse_app_image\n",
        "bench/emulated.py": "import emulator.swarm\nfrom cdn import manifest\n",
        "benchmarks/hub.py": "from hub.core import HubCore\nfrom grouploop import services\n",
        "tests/fixtures/boards.py": "from bench.dut import Dut\nfrom benchmarks import hub\n",
        "hub/cli.py": "import hubble\nfrom .core import HubCore\n",  # a name, not a prefix
    }
    for path, code in allowed.items():
        assert violations(path, code) == [], path


def test_relative_imports_resolve_against_the_package() -> None:
    code = "from . import a\nfrom .b import c\nfrom .. import d\n"
    assert imports("hub/transports/base.py", code) == [
        (1, "hub.transports.a"),
        (2, "hub.transports.b"),
        (3, "hub.d"),
    ]
    assert imports("hub/transports/__init__.py", "from .base import Socket\n") == [
        (1, "hub.transports.base")
    ]


def test_runtime_packages_keep_the_import_direction() -> None:
    sources = sorted(p for package in RUNTIME for p in (ROOT / package).rglob("*.py"))
    assert len(sources) >= 60  # the whole tree was read, not an empty folder
    found = []
    for source in sources:
        path = source.relative_to(ROOT).as_posix()
        found += violations(path, source.read_text())
    assert found == []
