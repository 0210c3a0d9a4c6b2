//! The command line (clap derive): `check`, `fix`, `report`, `rules`.
