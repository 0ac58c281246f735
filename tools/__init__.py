"""Developer tools of the repository (documentation generators)."""
