"""Example FastAPI + SQLAlchemy service whose write methods keep an audit trail."""
