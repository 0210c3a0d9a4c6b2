"""Business automations."""
