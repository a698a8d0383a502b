"""Simulated sensors: the walk stays in the room, RSSI follows distance, taps are events."""

import math
import random
import statistics

import pytest

from emulator.sensors import PathLoss, Room, Sensors


def run(sensors: Sensors, seconds: float, dt: float = 0.05):
    for _ in range(round(seconds / dt)):
        sensors.step(dt)
        yield sensors


def test_same_seed_same_run_different_seed_different_run():
    a, b, c = Sensors.seeded(7), Sensors.seeded(7), Sensors.seeded(8)
    trace = [(s.walker.x, s.walker.y, s.rssi_dbm()) for s in run(a, 5)]
    assert trace == [(s.walker.x, s.walker.y, s.rssi_dbm()) for s in run(b, 5)]
    assert trace != [(s.walker.x, s.walker.y, s.rssi_dbm()) for s in run(c, 5)]


def test_walk_stays_in_the_room_at_walking_speed_and_moves():
    room = Room(6.0, 4.0)
    sensors = Sensors.seeded(1, room=room)
    start = (sensors.walker.x, sensors.walker.y)
    farthest = 0.0
    for s in run(sensors, 120):
        w = s.walker
        assert 0.0 <= w.x <= room.width_m and 0.0 <= w.y <= room.depth_m
        assert math.hypot(w.vx, w.vy) <= w.max_speed + 1e-9
        farthest = max(farthest, math.hypot(w.x - start[0], w.y - start[1]))
    assert farthest > 1.0


def test_beacons_in_firmware_order_nw_ne_se_sw():
    assert Room(10, 8).beacons() == ((0, 8), (10, 8), (10, 0), (0, 0))


def test_rssi_follows_the_log_distance_model():
    model = PathLoss(tx_power_1m_dbm=-59, exponent=2.0, noise_db=2.0)
    rng = random.Random(3)
    at_1m = statistics.mean(model.rssi(1.0, rng) for _ in range(2000))
    at_10m = statistics.mean(model.rssi(10.0, rng) for _ in range(2000))
    assert abs(at_1m - -59) < 0.5
    assert abs(at_10m - -79) < 0.5  # 10 * n * log10(10) = 20 dB weaker
    assert PathLoss(noise_db=0).rssi(0.0, rng) == PathLoss(noise_db=0).rssi(0.1, rng)


def test_nearest_beacon_is_strongest_on_average():
    sensors = Sensors.seeded(5, path_loss=PathLoss(noise_db=0.0))
    sensors.walker.x, sensors.walker.y = 1.0, 7.0  # near NW in a 10 x 8 room
    rssi = sensors.rssi_dbm()
    assert rssi[0] == max(rssi) and rssi[2] == min(rssi)


def test_accelerometer_reads_gravity_on_z_and_walking_never_looks_like_a_tap():
    sensors = Sensors.seeded(11)
    samples = [s.accel_g() for s in run(sensors, 60)]
    assert abs(statistics.mean(z for _, _, z in samples) - 1.0) < 0.01
    assert max(math.sqrt(x * x + y * y + z * z) for x, y, z in samples) < 3.0
    assert statistics.pstdev(x for x, _, _ in samples) > 0.01  # the walk shows up


def test_requested_tap_is_taken_once():
    sensors = Sensors.seeded(2)
    assert not sensors.take_tap()
    sensors.request_tap()
    assert sensors.take_tap()
    assert not sensors.take_tap()


def test_random_taps_follow_their_rate():
    sensors = Sensors.seeded(4, tap_rate_hz=0.5)
    taps = sum(s.take_tap() for s in run(sensors, 400))
    assert 150 < taps < 250  # 0.5 Hz over 400 s, expected 200


def test_a_wearer_given_a_position_stands_there_and_the_beacons_hear_it_there():
    sensors = Sensors.seeded(9, position=(2.0, 6.5), path_loss=PathLoss(noise_db=0.0))
    for s in run(sensors, 10):
        assert (s.walker.x, s.walker.y) == (2.0, 6.5)
        assert s.walker.ax == 0.0 and s.walker.ay == 0.0
    expected = [math.hypot(2.0 - bx, 6.5 - by) for bx, by in Room().beacons()]
    assert sensors.walker.distances() == pytest.approx(expected)


def test_a_position_outside_the_room_is_refused_with_the_room_named():
    with pytest.raises(ValueError, match=r"\(11.0, 1.0\) is outside the 10.0 x 8.0 m room"):
        Sensors.seeded(9, position=(11.0, 1.0))
