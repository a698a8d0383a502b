"""The build writes firmware/VERSION into the image's ESP-IDF app description
(firmware/scripts/app_desc.py), checked on a real ELF linked by the host compiler."""

from __future__ import annotations

import importlib.util
import shutil
import subprocess
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[3] / "firmware" / "scripts" / "app_desc.py"
_spec = importlib.util.spec_from_file_location("app_desc", SCRIPT)
assert _spec is not None and _spec.loader is not None
app_desc = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(app_desc)

PROGRAM = r"""
struct app_desc { unsigned magic, secure_version, reserv1[2]; char version[32]; char name[32]; };
__attribute__((section(".flash.appdesc"), used)) const struct app_desc esp_app_desc = {
    0xABCD5432u, 0, {0, 0}, "arduino-lib-3.3.5", "arduino-lib-builder"};
int main(void) {
    const volatile char *version = esp_app_desc.version; /* read what the file holds */
    return version[0] == 'x' ? 7 : 0;
}
"""


def _link(tmp_path: Path, source: str) -> Path:
    cc = shutil.which("cc") or shutil.which("gcc")
    if cc is None:
        pytest.skip("no C compiler to link a test ELF")
    (tmp_path / "app.c").write_text(source)
    elf = tmp_path / "app.elf"
    subprocess.run([cc, "-O0", "-o", str(elf), str(tmp_path / "app.c")], check=True)
    return elf


def _section(elf: Path) -> bytes:
    out = elf.with_suffix(".bin")
    subprocess.run(
        ["objcopy", "-O", "binary", "--only-section=.flash.appdesc", str(elf), str(out)],
        check=True,
    )
    return out.read_bytes()


def test_version_is_written_and_the_program_still_runs(tmp_path: Path) -> None:
    elf = _link(tmp_path, PROGRAM)
    app_desc.set_app_version(elf, "x1.2.3")
    section = _section(elf)
    assert section[16:48] == b"x1.2.3".ljust(32, b"\0")
    assert section[48:67] == b"arduino-lib-builder"  # the rest is untouched
    # The patched value is what the program reads at run time.
    assert subprocess.run([str(elf)], check=False).returncode == 7


def test_elf32_like_the_esp32_c3(tmp_path: Path) -> None:
    # The chip's ELF is 32-bit: convert a host object to ELF32 to walk that layout too.
    cc = shutil.which("cc") or shutil.which("gcc")
    if cc is None or shutil.which("objcopy") is None:
        pytest.skip("no C compiler or objcopy")
    (tmp_path / "desc.c").write_text(PROGRAM.split("int main")[0])
    obj64, obj32 = tmp_path / "desc64.o", tmp_path / "desc32.o"
    subprocess.run([cc, "-c", "-o", str(obj64), str(tmp_path / "desc.c")], check=True)
    subprocess.run(
        ["objcopy", "-I", "elf64-x86-64", "-O", "elf32-i386", str(obj64), str(obj32)], check=True
    )
    assert obj32.read_bytes()[4] == 1  # ELFCLASS32
    app_desc.set_app_version(obj32, "2.0.0")
    assert _section(obj32)[16:48] == b"2.0.0".ljust(32, b"\0")


@pytest.mark.parametrize("version", ["", "v" * 32])
def test_versions_that_do_not_fit_are_refused(tmp_path: Path, version: str) -> None:
    elf = _link(tmp_path, PROGRAM)
    before = elf.read_bytes()
    with pytest.raises(ValueError, match="must have"):
        app_desc.set_app_version(elf, version)
    assert elf.read_bytes() == before


def test_an_elf_without_an_app_description_is_refused(tmp_path: Path) -> None:
    elf = _link(tmp_path, "int main(void) { return 0; }\n")
    with pytest.raises(ValueError, match=r"no \.flash\.appdesc section"):
        app_desc.set_app_version(elf, "1.0.0")
    wrong_magic = _link(tmp_path, PROGRAM.replace("0xABCD5432u", "0x12345678u"))
    with pytest.raises(ValueError, match="does not start with an app description"):
        app_desc.set_app_version(wrong_magic, "1.0.0")
    not_elf = tmp_path / "x.bin"
    not_elf.write_bytes(b"\xe9" + bytes(100))
    with pytest.raises(ValueError, match="not a little-endian ELF"):
        app_desc.set_app_version(not_elf, "1.0.0")
