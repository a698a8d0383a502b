"""Shared fixtures: each component's fixtures live in tests/fixtures/<component>.py."""

pytest_plugins: list[str] = [
    "tests.fixtures.devices",
    "tests.fixtures.cdn",
    "tests.fixtures.hub",
    "tests.fixtures.browser",
    "tests.fixtures.boards",
    "tests.fixtures.firmware",
    "tests.fixtures.signing",
    "tests.fixtures.tls",
    "tests.fixtures.auth",
    "tests.fixtures.redis",
    "tests.fixtures.cluster",
]
