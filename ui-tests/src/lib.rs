//! Only the trybuild cases in tests/ and ui/.
