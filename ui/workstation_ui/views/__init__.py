"""Widgets of the main window: sidebar, item list, reading pane."""
