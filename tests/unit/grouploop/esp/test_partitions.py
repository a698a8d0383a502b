"""grouploop.esp.partitions: a built table reads back, a damaged one is refused by name, and the
OTA data selects the app as ESP-IDF's bootloader does."""

import pytest

from grouploop.esp.partitions import (
    APP,
    DATA,
    FACTORY,
    OTA_0,
    OTA_DATA,
    TABLE_SIZE,
    OtaEntry,
    OtaState,
    Partition,
    PartitionError,
    active_sector,
    boot_app,
    build_ota_select,
    build_table,
    next_sequence,
    parse_csv,
    parse_ota_select,
    parse_table,
)
from grouploop.settings import PROJECT_ROOT

NVS = Partition("nvs", DATA, 0x02, 0x9000, 0x5000)
OTADATA = Partition("otadata", DATA, OTA_DATA, 0xE000, 0x2000)
APP0 = Partition("app0", APP, OTA_0, 0x10000, 0x140000)
APP1 = Partition("app1", APP, OTA_0 + 1, 0x150000, 0x140000)
FACTORY_APP = Partition("factory", APP, FACTORY, 0x290000, 0x100000)


def test_a_built_table_reads_back_and_fills_its_sector() -> None:
    raw = build_table([NVS, OTADATA, APP0, APP1])
    assert len(raw) == TABLE_SIZE
    assert parse_table(raw) == [NVS, OTADATA, APP0, APP1]


def test_an_erased_sector_holds_no_table() -> None:
    assert parse_table(b"\xff" * TABLE_SIZE) is None


def test_a_table_without_md5_ends_at_the_first_erased_entry() -> None:
    raw = build_table([NVS, APP0])
    md5_entry = 2 * 32
    assert parse_table(raw[:md5_entry] + b"\xff" * (TABLE_SIZE - md5_entry)) == [NVS, APP0]


@pytest.mark.parametrize(
    ("at", "reason"),
    [(0x04, "MD5 mismatch"), (0x20, "invalid partition entry magic 0x50ab at 0x20")],
    ids=["entry", "magic"],
)
def test_damage_is_named(at: int, reason: str) -> None:
    raw = bytearray(build_table([NVS, APP0]))
    raw[at] ^= 1
    with pytest.raises(PartitionError, match=reason):
        parse_table(bytes(raw))


def test_ota_select_entries_read_back_and_a_bad_crc_is_invalid() -> None:
    entry = build_ota_select(7, OtaState.PENDING_VERIFY)
    assert parse_ota_select(entry) == OtaEntry(7, OtaState.PENDING_VERIFY)
    assert parse_ota_select(build_ota_select(7)) == OtaEntry(7, OtaState.UNDEFINED)
    assert parse_ota_select(entry[:-1] + bytes([entry[-1] ^ 1])) is None
    assert parse_ota_select(b"\xff" * 32) is None


@pytest.mark.parametrize(
    ("sequences", "slot", "expected"),
    [([None, None], 0, 1), ([None, None], 1, 2), ([3, 2], 0, 5), ([3, None], 1, 4)],
)
def test_next_sequence_is_the_lowest_above_all_that_selects_the_slot(
    sequences: list[int | None], slot: int, expected: int
) -> None:
    assert next_sequence(entries(*sequences), slot, 2) == expected


def entries(*sequences: int | None, state: int = OtaState.VALID) -> list[OtaEntry | None]:
    return [None if s is None else OtaEntry(s, state) for s in sequences]


def test_boot_app_follows_ota_data_then_factory_then_ota_0() -> None:
    table = [NVS, OTADATA, APP0, APP1]
    assert boot_app(table, entries(4, 3)) == APP1  # (4 - 1) mod 2
    assert boot_app(table, entries(None, None)) == APP0
    assert boot_app([*table, FACTORY_APP], entries(None, None)) == FACTORY_APP
    assert boot_app([NVS, APP0, APP1], entries(4, 3)) == APP0  # no OTA data partition: ignored
    assert boot_app([NVS], []) is None


def test_aborted_and_invalid_entries_do_not_count_so_the_previous_one_selects() -> None:
    table = [NVS, OTADATA, APP0, APP1]
    for state in (OtaState.ABORTED, OtaState.INVALID):
        assert boot_app(table, [OtaEntry(4, state), OtaEntry(3, OtaState.VALID)]) == APP0
        assert active_sector([OtaEntry(4, state), None]) is None
    for state in (OtaState.NEW, OtaState.PENDING_VERIFY, OtaState.VALID, OtaState.UNDEFINED):
        assert active_sector([OtaEntry(4, state), OtaEntry(3, OtaState.VALID)]) == 0


def test_the_project_csv_reads_as_its_a_b_layout() -> None:
    text = (PROJECT_ROOT / "firmware" / "partitions_ota.csv").read_text()
    table = parse_csv(text)
    assert [(p.label, p.type, p.subtype, p.offset, p.size) for p in table] == [
        ("nvs", DATA, 0x02, 0x9000, 0x5000),
        ("otadata", DATA, OTA_DATA, 0xE000, 0x2000),
        ("app0", APP, OTA_0, 0x10000, 0x1E0000),
        ("app1", APP, OTA_0 + 1, 0x1F0000, 0x1E0000),
        ("coredump", DATA, 0x03, 0x3D0000, 0x10000),
    ]
    assert parse_table(build_table(table)) == table
    assert parse_csv("x, app, ota_0, 64K, 1M\n") == [Partition("x", APP, OTA_0, 0x10000, 0x100000)]


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        ("a, app, ota_0, , 1M", "expected name, type, subtype, offset, size"),
        ("a, blob, ota_0, 0x10000, 1M", "unknown type 'blob'"),
        ("a, app, ota_0, 0x10000, lots", "not a number"),
    ],
)
def test_a_bad_csv_line_is_named(line: str, reason: str) -> None:
    with pytest.raises(PartitionError, match=reason):
        parse_csv(line)
