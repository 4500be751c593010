"""Invented people for the demo: ID numbers that pass the check digit (乐清 330382)."""

from __future__ import annotations

import random
from datetime import date

from app.services.validation import id_check_digit


def id_number(rng: random.Random, born: date, male: bool) -> str:
    seq = rng.randrange(10, 99) * 10 + (
        rng.choice((1, 3, 5, 7, 9)) if male else rng.choice((0, 2, 4, 6, 8))
    )
    first17 = f"330382{born:%Y%m%d}{seq:03d}"
    return first17 + id_check_digit(first17)
