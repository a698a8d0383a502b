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
    Partition,
    PartitionError,
    boot_app,
    build_ota_select,
    build_table,
    next_sequence,
    parse_ota_select,
    parse_table,
)

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
    entry = build_ota_select(7)
    assert parse_ota_select(entry) == 7
    assert parse_ota_select(entry[:-1] + bytes([entry[-1] ^ 1])) is None
    assert parse_ota_select(b"\xff" * 32) is None


@pytest.mark.parametrize(
    ("sequences", "slot", "expected"),
    [([None, None], 0, 1), ([None, None], 1, 2), ([3, 2], 0, 5), ([3, None], 1, 4)],
)
def test_next_sequence_is_the_lowest_above_all_that_selects_the_slot(
    sequences: list[int | None], slot: int, expected: int
) -> None:
    assert next_sequence(sequences, slot, 2) == expected


def test_boot_app_follows_ota_data_then_factory_then_ota_0() -> None:
    table = [NVS, OTADATA, APP0, APP1]
    assert boot_app(table, [4, 3]) == APP1  # (4 - 1) mod 2
    assert boot_app(table, [None, None]) == APP0
    assert boot_app([*table, FACTORY_APP], [None, None]) == FACTORY_APP
    assert boot_app([NVS, APP0, APP1], [4, 3]) == APP0  # no OTA data partition: ignored
    assert boot_app([NVS], []) is None
