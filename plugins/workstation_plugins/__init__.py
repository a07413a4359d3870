"""First-party plugins. Each subpackage is independent and uses only workstation.api."""
