"""Figures as text, one rule for every output: thousands separators, fixed decimals, and never
"-0": a small negative that rounds to zero is shown as 0 (a reader takes "-0" for a cut)."""

from __future__ import annotations


def figure(value: float, digits: int = 0) -> str:
    """``value`` with thousands separators and ``digits`` decimals; -0.004 at 2 digits is "0.00"."""
    text = f"{value:,.{digits}f}"
    if text.startswith("-") and not any(ch in "123456789" for ch in text):
        return text[1:]
    return text
