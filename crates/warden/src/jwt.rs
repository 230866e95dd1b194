//! JSON Web Tokens with a pinned algorithm (being written).
