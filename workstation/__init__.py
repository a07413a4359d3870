"""Workstation: one inbox for email, social activity streams and feeds.

The ``workstation`` package is the Qt-free core. Plugins import only
:mod:`workstation.api`; the desktop UI lives in ``workstation_ui``.
"""

__version__ = "0.1.0"
