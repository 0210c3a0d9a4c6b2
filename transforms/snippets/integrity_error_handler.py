except {integrity_error} as e:
    {await}{session}.rollback()
    {log}
    raise ValueError(f"Database constraint violation: {e}") from e
