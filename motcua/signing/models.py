"""Models of the signing app."""
