"""Printed documents: pure functions from data to PDF bytes (no database, no Qt)."""
