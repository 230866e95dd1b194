//! Warden's own tables, as numbered per-backend steps applied at start.
