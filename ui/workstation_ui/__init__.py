"""The Qt desktop interface of Workstation."""
