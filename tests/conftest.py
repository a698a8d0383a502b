"""Shared fixtures: each component's fixtures live in tests/fixtures/<component>.py."""

pytest_plugins: list[str] = [
]
