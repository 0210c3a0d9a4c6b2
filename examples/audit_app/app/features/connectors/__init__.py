"""Third-party connectors."""
