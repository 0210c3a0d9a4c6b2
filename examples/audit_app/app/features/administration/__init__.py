"""Administration features: secrets, SMTP, users, tenants, logs."""
