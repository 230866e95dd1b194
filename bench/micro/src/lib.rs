//! Criterion micro-benchmarks of warden's hot pieces; the code is in `benches/hot.rs`.
