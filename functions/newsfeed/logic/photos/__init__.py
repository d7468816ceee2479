"""Photos: an upload read safely (decode) and made into renditions (renditions)."""
