//! State shared by warden processes (being written).
