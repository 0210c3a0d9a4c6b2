//! AUD008 incomplete-integrity-error-handler
//!
//! ## What it does
//! Checks `except IntegrityError` clauses of write methods that do not roll the
//! session back, or that stand after an `except Exception` clause (and so can
//! never run).
//!
//! ## Why is this bad?
//! Without a rollback the session stays unusable after the failed flush; a
//! clause after `except Exception` is dead code.
//!
//! ## Example
//! ```python
//! except Exception:
//!     raise
//! except IntegrityError as e:
//!     raise ValueError(str(e))
//! ```
//!
//! ## Use instead
//! ```python
//! except IntegrityError as e:
//!     await self.db.rollback()
//!     raise ValueError(str(e))
//! except Exception:
//!     raise
//! ```
//!
//! ## Fix safety
//! Safe: the rollback is inserted as the clause's first statement; a clause
//! after `except Exception` is moved before it.
