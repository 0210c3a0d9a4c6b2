async def stamp(db, thing, user):
    thing.updated_at = now()
    await db.flush()
