"""Shared building blocks: database, audit mixin, base service, logging."""
