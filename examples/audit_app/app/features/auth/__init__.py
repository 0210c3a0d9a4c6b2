"""Authentication dependencies."""
