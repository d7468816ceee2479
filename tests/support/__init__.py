"""Helpers the tests share: none of them is a test, and no test module imports another."""

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]  # the checkout
