"""Fixtures shared by the service tests: the hand-counted center of the command room."""

from tests.services.test_statistics import center  # noqa: F401 — a fixture
