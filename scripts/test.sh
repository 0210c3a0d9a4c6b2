#!/usr/bin/env bash
# The whole test suite, from a clean clone: sets up the Python virtualenv the
# end-to-end tests need (real SQLAlchemy, FastAPI, pytest), then runs every
# Rust test of the workspace, and keeps formatting and lints clean.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup-venv.sh
cargo fmt --all -- --check
cargo clippy --workspace --all-targets --quiet -- -D warnings
cargo test --workspace

# The wheel installs and runs in a fresh virtualenv; the pre-commit hooks
# block a non-compliant commit and pass a compliant one.
bash scripts/test-packaging.sh
