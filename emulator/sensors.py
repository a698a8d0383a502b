"""Simulated sensors of a virtual device: a walk in a room, beacon RSSI, accelerometer, taps.

Pure Python, no I/O, driven by a seeded `random.Random`, so a seed reproduces a whole run.

- The room is a rectangle with a BLE beacon in each corner, in the firmware's order
  NW, NE, SE, SW (x grows to the east, y to the north, metres).
- The wearer walks: the velocity follows a mean-reverting random process (people wander,
  turn, slow down), capped at a walking speed, and bounces off the walls.
- RSSI follows the log-distance path-loss model
  `rssi = tx_power_1m - 10 * n * log10(d)` plus Gaussian noise (shadowing).
- The accelerometer reads the walk's acceleration plus gravity, in g, with sensor noise;
  the device is worn flat, so gravity is on +z.
- Taps are events (the accelerometer's click detector), random at `tap_rate_hz` or on
  request; the firmware core decides which frame carries the tap byte.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field

GRAVITY = 9.81  # m/s² per g
MIN_DISTANCE_M = 0.1  # the path-loss model diverges at 0


@dataclass(frozen=True)
class Room:
    width_m: float = 10.0
    depth_m: float = 8.0

    def beacons(self) -> tuple[tuple[float, float], ...]:
        """Beacon positions in the firmware's order: NW, NE, SE, SW."""
        w, d = self.width_m, self.depth_m
        return ((0.0, d), (w, d), (w, 0.0), (0.0, 0.0))


@dataclass(frozen=True)
class PathLoss:
    """Log-distance path-loss model; typical indoor BLE values by default."""

    tx_power_1m_dbm: float = -59.0
    exponent: float = 2.2
    noise_db: float = 2.0

    def rssi(self, distance_m: float, rng: random.Random) -> int:
        d = max(distance_m, MIN_DISTANCE_M)
        mean = self.tx_power_1m_dbm - 10.0 * self.exponent * math.log10(d)
        return round(mean + rng.gauss(0.0, self.noise_db))


@dataclass
class Walker:
    """A person wandering in a room: position (m), velocity (m/s), last acceleration (m/s²)."""

    room: Room
    rng: random.Random
    max_speed: float = 1.4
    # How fast the velocity forgets its past (1/s) and how much it is pushed around (m/s²).
    reversion: float = 0.8
    push: float = 1.5
    x: float = 0.0
    y: float = 0.0
    vx: float = 0.0
    vy: float = 0.0
    ax: float = 0.0
    ay: float = 0.0

    #: Where the wearer stands still, or None to wander from a random start.
    standing: tuple[float, float] | None = None

    def __post_init__(self) -> None:
        self.x = self.rng.uniform(0.0, self.room.width_m)
        self.y = self.rng.uniform(0.0, self.room.depth_m)
        if self.standing is not None:
            x, y = self.standing
            if not (0.0 <= x <= self.room.width_m and 0.0 <= y <= self.room.depth_m):
                raise ValueError(
                    f"position ({x}, {y}) is outside the {self.room.width_m} x "
                    f"{self.room.depth_m} m room"
                )
            self.x, self.y = x, y

    def step(self, dt: float) -> None:
        if dt <= 0 or self.standing is not None:
            return
        ax = -self.reversion * self.vx + self.rng.gauss(0.0, self.push)
        ay = -self.reversion * self.vy + self.rng.gauss(0.0, self.push)
        vx, vy = self.vx + ax * dt, self.vy + ay * dt
        speed = math.hypot(vx, vy)
        if speed > self.max_speed:
            vx, vy = vx * self.max_speed / speed, vy * self.max_speed / speed
        x, y = self.x + vx * dt, self.y + vy * dt
        # Walls: reflect the position and reverse the velocity component.
        if not 0.0 <= x <= self.room.width_m:
            x = min(max(-x if x < 0 else 2 * self.room.width_m - x, 0.0), self.room.width_m)
            vx = -vx
        if not 0.0 <= y <= self.room.depth_m:
            y = min(max(-y if y < 0 else 2 * self.room.depth_m - y, 0.0), self.room.depth_m)
            vy = -vy
        self.ax, self.ay = (vx - self.vx) / dt, (vy - self.vy) / dt
        self.x, self.y, self.vx, self.vy = x, y, vx, vy

    def distances(self) -> tuple[float, ...]:
        return tuple(math.hypot(self.x - bx, self.y - by) for bx, by in self.room.beacons())


@dataclass
class Sensors:
    """Everything a virtual device's sensors report, advanced by `step(dt)`."""

    rng: random.Random
    room: Room = field(default_factory=Room)
    path_loss: PathLoss = field(default_factory=PathLoss)
    tap_rate_hz: float = 0.0
    accel_noise_g: float = 0.02
    #: (x, y) in metres to stand still at (x to the east, y to the north), else a walk.
    position: tuple[float, float] | None = None
    walker: Walker = field(init=False)
    _tap_pending: bool = field(default=False, init=False)

    def __post_init__(self) -> None:
        self.walker = Walker(self.room, self.rng, standing=self.position)

    @classmethod
    def seeded(cls, seed: int | str, **kwargs: object) -> Sensors:
        return cls(rng=random.Random(seed), **kwargs)  # type: ignore[arg-type]

    def step(self, dt: float) -> None:
        """Advance the walk by `dt` seconds; maybe tap (Poisson process at tap_rate_hz)."""
        self.walker.step(dt)
        if self.tap_rate_hz > 0 and self.rng.random() < 1.0 - math.exp(-self.tap_rate_hz * dt):
            self._tap_pending = True

    def accel_g(self) -> tuple[float, float, float]:
        """The accelerometer sample: walk acceleration plus gravity on +z, with noise, in g."""
        n = self.accel_noise_g
        return (
            self.walker.ax / GRAVITY + self.rng.gauss(0.0, n),
            self.walker.ay / GRAVITY + self.rng.gauss(0.0, n),
            1.0 + self.rng.gauss(0.0, n),
        )

    def rssi_dbm(self) -> tuple[int, ...]:
        """One RSSI reading per beacon (NW, NE, SE, SW)."""
        return tuple(self.path_loss.rssi(d, self.rng) for d in self.walker.distances())

    def request_tap(self) -> None:
        self._tap_pending = True

    def take_tap(self) -> bool:
        """True once per tap (random or requested) since the last call."""
        tapped, self._tap_pending = self._tap_pending, False
        return tapped
