"""Request handlers, one module per Spotify host (plus the control API)."""
