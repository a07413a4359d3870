"""Dialogs: onboarding and, later, account and settings windows."""
