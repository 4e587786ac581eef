"""Administrators manage coordinators."""
