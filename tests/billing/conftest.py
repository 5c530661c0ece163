"""Fixtures the billing tests share."""

import pytest


@pytest.fixture
def northwind(demo):
    """The demo's Northwind Trading SRL."""
    return demo.organizations["northwind"]
