async def stamp(db, thing, user):
    try:
        thing.updated_at = now()
        await db.flush()
    except Exception:
        raise
