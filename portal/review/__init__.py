"""Coordinators review applications and decide on members."""
