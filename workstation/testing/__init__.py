"""Test helpers for Workstation and its plugins."""
