"""The load generator's frame codec and latency statistics (no sockets)."""

from __future__ import annotations

import pytest

from benchmarks.loadgen import codec
from benchmarks.loadgen.stats import BUCKET_US, Histogram, SubscriberResult, WorkerResult, merge
from grouploop.frame import is_frame


def test_frame_is_a_valid_sensor_frame_and_round_trips():
    frame = codec.encode(0x1A2B, ts_us=123_456_789, seq=42)
    assert is_frame(frame)
    assert frame.startswith("1a2b")
    assert codec.decode(frame) == (0x1A2B, 123_456_789, 42)


def test_timestamp_and_sequence_wrap_to_their_widths():
    ts = (1 << codec.TS_BITS) + 5
    seq = (1 << codec.SEQ_BITS) + 7
    assert codec.decode(codec.encode(1, ts, seq)) == (1, 5, 7)
    # Latency across the wrap is still the small positive difference.
    assert codec.elapsed_us(codec.TS_MASK - 10, 20) == 31


def test_decode_refuses_what_is_not_a_frame():
    with pytest.raises(ValueError):
        codec.decode("1a2b")
    with pytest.raises(ValueError):
        codec.decode("zz" * 10)


def _words(records):
    return [(dev, word >> codec.SEQ_BITS, word & codec.SEQ_MASK) for dev, word in records]


def test_split_batch_fast_path_reads_every_frame():
    frames = [codec.encode(0x1000 + i, 1000 * i, i) for i in range(50)]
    records, others = codec.split_batch("\n".join(frames) + "\n")
    assert _words(records) == [(0x1000 + i, 1000 * i, i) for i in range(50)]
    assert others == []


def test_split_batch_keeps_answers_and_server_lines_apart_from_frames():
    a, b = codec.encode(0x1000, 7, 1), codec.encode(0x1001, 8, 2)
    text = f'stream:on\n{a}\nans:1000:{{"cmd":"status","ok":true}}\npong\n{b}\n'
    records, others = codec.split_batch(text)
    assert _words(records) == [(0x1000, 7, 1), (0x1001, 8, 2)]
    assert others == ["stream:on", 'ans:1000:{"cmd":"status","ok":true}', "pong"]


def test_split_batch_does_not_misread_hex_looking_server_lines():
    a = codec.encode(0x1000, 7, 1)
    records, others = codec.split_batch(f"{a}\ncafe\n")
    assert _words(records) == [(0x1000, 7, 1)]
    assert others == ["cafe"]


def test_histogram_percentiles_are_exact_to_one_bucket():
    h = Histogram()
    for ms in range(1, 101):  # 1 ms … 100 ms, one sample each
        h.add(ms * 1000 - 1)
    assert h.percentile_ms(50) == pytest.approx(50.0, abs=BUCKET_US / 1000)
    assert h.percentile_ms(99) == pytest.approx(99.0, abs=BUCKET_US / 1000)
    assert Histogram().percentile_ms(99) is None


def test_histogram_overflow_reports_the_maximum():
    h = Histogram()
    h.add(10_000_000)  # 10 s, beyond the last bucket
    assert h.percentile_ms(50) == 10_000.0


def test_merge_counts_loss_per_subscriber_and_flags_a_saturated_generator():
    subs = [SubscriberResult(received=900), SubscriberResult(received=1000)]
    busy = WorkerResult(sent=1000, subscribers=subs, cpu_seconds=1.9)
    step = merge(devices=50, duration=2.0, workers=[busy], hub_cpu=40.0)
    assert step.subscribers == 2
    assert step.offered_per_s == 500
    assert step.delivered_per_s == 475
    assert step.loss_percent == pytest.approx(5.0)
    assert step.generator_cpu == [95.0]
    assert step.generator_saturated
    idle = merge(devices=50, duration=2.0, workers=[WorkerResult(sent=1000)], hub_cpu=0)
    assert not idle.generator_saturated
