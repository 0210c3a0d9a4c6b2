{await}{session}.rollback()
