//! `new NAME`: a new back-end, the same as `examples/minimal` (users in SQL, owner-only tasks,
//! the login route, an administrators' route, two tests), ready for `cargo run` and `cargo
//! test`.

use std::path::{Path, PathBuf};

use anyhow::{Context as _, bail};
use clap::Args;

/// What `new` makes.
#[derive(Debug, Args)]
pub struct NewArgs {
    /// The back-end's directory; its last component is the crate's name (letters, digits,
    /// `-` and `_`).
    ///
    /// Example: warden new tasks
    path: PathBuf,
    /// Where warden's sources are, for the new crate's path dependencies [default: the
    /// sources this command was built from]
    #[arg(long, value_name = "DIR")]
    warden: Option<PathBuf>,
}

/// The files of `examples/minimal`, which CI builds and tests: `new` writes the same.
const FILES: [(&str, &str); 6] = [
    (
        "src/lib.rs",
        include_str!("../../../examples/minimal/src/lib.rs"),
    ),
    (
        "src/main.rs",
        include_str!("../../../examples/minimal/src/main.rs"),
    ),
    (
        "schema.sql",
        include_str!("../../../examples/minimal/schema.sql"),
    ),
    (
        "queries.sql",
        include_str!("../../../examples/minimal/queries.sql"),
    ),
    (
        "tests/it/main.rs",
        include_str!("../../../examples/minimal/tests/it/main.rs"),
    ),
    (".gitignore", "/target\n*.db\n*.db-shm\n*.db-wal\n"),
];

const CARGO_TOML: &str = r#"[package]
name = "NAME"
version = "0.1.0"
edition = "2024"
publish = false

[dependencies]
warden = { path = "WARDEN/crates/warden" }
serde = { version = "1", features = ["derive"] }
tokio = { version = "1", features = ["rt-multi-thread", "macros"] }

[dev-dependencies]
warden-test = { path = "WARDEN/crates/warden-test" }

# Password hashing is slow on purpose; unoptimised, one argon2id hash takes about a second.
# Optimise the hashing crates even in debug builds and tests.
[profile.dev.package.argon2]
opt-level = 3
[profile.dev.package.blake2]
opt-level = 3
[profile.dev.package.libsqlite3-sys]
opt-level = 3
"#;

pub(crate) fn run(args: &NewArgs, out: &mut dyn std::io::Write) -> anyhow::Result<bool> {
    let name = args
        .path
        .file_name()
        .and_then(|n| n.to_str())
        .context("the new back-end's path must end with its name")?;
    if name.is_empty()
        || !name.starts_with(|c: char| c.is_ascii_alphabetic())
        || !name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        bail!("{name:?} is not a crate name: letters, digits, '-' and '_', starting with a letter");
    }
    if args.path.exists() {
        bail!("{} exists already", args.path.display());
    }
    let warden = match &args.warden {
        Some(dir) => dir.clone(),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("../.."),
    };
    let warden = warden
        .canonicalize()
        .with_context(|| format!("warden's sources at {}", warden.display()))?;
    let ident = name.replace('-', "_");
    let mut files = vec![(
        "Cargo.toml".to_owned(),
        CARGO_TOML
            .replace("NAME", name)
            .replace("WARDEN", &warden.display().to_string()),
    )];
    for (path, text) in FILES {
        files.push((path.to_owned(), rename(text, &ident)));
    }
    for (path, text) in &files {
        let path = args.path.join(path);
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
        }
        std::fs::write(&path, text).with_context(|| format!("writing {}", path.display()))?;
    }
    writeln!(
        out,
        "created {name} ({} files): cd {} && cargo test && cargo run",
        files.len(),
        args.path.display()
    )?;
    Ok(true)
}

/// The example's text with its crate name replaced by the new one.
pub(crate) fn rename(text: &str, ident: &str) -> String {
    text.replace("minimal::", &format!("{ident}::"))
        .replace("\"minimal\"", &format!("\"{ident}\""))
        .replace("minimal_schema", &format!("{ident}_schema"))
        .replace("sqlite://minimal.db", &format!("sqlite://{ident}.db"))
        .replace("`minimal", &format!("`{ident}"))
}
