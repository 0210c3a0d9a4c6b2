//! AUD012 caller-drops-user
//!
//! ## What it does
//! Checks for calls of audited write methods that do not pass the user although
//! one is in scope (a `Depends(get_current_user)` parameter, a `current_user`
//! variable, the caller's own user parameter).
//!
//! ## Why is this bad?
//! The method can only record the user it is given: a route that drops it
//! leaves the audit columns empty for every request.
//!
//! ## Example
//! ```python
//! await service.create_user(data)
//! ```
//!
//! ## Use instead
//! ```python
//! await service.create_user(data, created_by_user=current_user)
//! ```
//!
//! ## Fix safety
//! Unsafe: the call gains a keyword argument; a facade also gains the user
//! parameter and forwards it.
