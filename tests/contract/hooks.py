"""Schemathesis hooks for bistand's contract run.

The contract names the format of personal numbers `personnummer`: the
pattern states the shape, but the date and the Luhn check digit are more
than a pattern can say. This strategy generates only numbers that BR-1
accepts, and only from Skatteverket's test series (birth numbers 980-999),
so no generated value can be a real person's number.
"""

import datetime

import schemathesis
from hypothesis import strategies as st


def luhn_digit(nine: str) -> str:
    total = 0
    for i, ch in enumerate(nine):
        d = int(ch) * (2 if i % 2 == 0 else 1)
        total += d - 9 if d > 9 else d
    return str((10 - total % 10) % 10)


@st.composite
def test_series_number(draw):
    today = datetime.date.today()
    born = draw(st.dates(min_value=datetime.date(1927, 1, 1), max_value=today))
    coordination = draw(st.booleans())
    serial = draw(st.integers(min_value=980, max_value=999))
    day = born.day + (60 if coordination else 0)
    nine = f"{born:%y%m}{day:02d}{serial:03d}"
    ten = nine + luhn_digit(nine)
    shape = draw(st.sampled_from(["long", "long-dash", "short-dash", "short"]))
    century = f"{born.year // 100:02d}"
    if shape == "long":
        return century + ten
    if shape == "long-dash":
        return f"{century}{ten[:6]}-{ten[6:]}"
    # Ten digits name the latest century that makes the person not born in
    # the future; `-` says under 100, which these dates are.
    if shape == "short-dash":
        return f"{ten[:6]}-{ten[6:]}"
    return ten


schemathesis.openapi.format("personnummer", test_series_number())
