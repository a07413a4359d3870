"""Developer tools shipped with the UI (screenshots for reviews)."""
