//! Steps from a folder of numbered SQL files: `0001_create_users.sql` for every backend,
//! `0001_create_users.postgres.sql` (or `.sqlite.sql`, `.mysql.sql`) for one.

use std::collections::BTreeMap;
use std::path::Path;

use super::step::{Sql, Step};
use crate::backend::Backend;
use crate::error::{Error, ErrorKind, Result};

/// Reads the steps in `dir`, in version order. Files not ending in `.sql` are left alone.
pub(super) fn load(dir: &Path) -> Result<Vec<Step>> {
    let entries = std::fs::read_dir(dir).map_err(|e| read_error(dir, &e).with_source(e))?;
    let mut files = Vec::new();
    for entry in entries {
        let path = entry
            .map_err(|e| read_error(dir, &e).with_source(e))?
            .path();
        if path.is_file() && path.extension().is_some_and(|ext| ext == "sql") {
            files.push(path);
        }
    }
    // Sorted, so that errors (and equal inputs) come out the same on every file system.
    files.sort();
    let mut steps: BTreeMap<u32, Step> = BTreeMap::new();
    for path in files {
        let file_name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
        let (version, name, backend) = parse_file_name(file_name).ok_or_else(|| {
            Error::new(
                ErrorKind::Load,
                format!(
                    "{}: not a migration file name: use NNNN_name.sql or NNNN_name.BACKEND.sql",
                    path.display()
                ),
            )
        })?;
        let text =
            std::fs::read_to_string(&path).map_err(|e| read_error(&path, &e).with_source(e))?;
        let step = steps
            .entry(version)
            .or_insert_with(|| Step::new(version, name.to_owned(), Sql::default()));
        if step.name() != name {
            return Err(Error::new(
                ErrorKind::Load,
                format!(
                    "{}: version {version} is already step {:?}",
                    path.display(),
                    step.name()
                ),
            ));
        }
        let sql = step.sql_mut();
        let duplicate = match backend {
            None => sql.default_text().is_some(),
            Some(backend) => sql.has_variant(backend),
        };
        if duplicate {
            // `01_a.sql` and `001_a.sql`: the same step twice.
            return Err(Error::new(
                ErrorKind::Load,
                format!(
                    "{}: a second file for step {version} {name}",
                    path.display()
                ),
            ));
        }
        match backend {
            None => sql.set_default(text),
            Some(backend) => *sql = std::mem::take(sql).variant(backend, text),
        }
    }
    Ok(steps.into_values().collect())
}

fn read_error(path: &Path, error: &std::io::Error) -> Error {
    Error::new(
        ErrorKind::Load,
        format!("{}: cannot read: {error}", path.display()),
    )
}

/// `0001_create_users.postgres.sql` -> `(1, "create_users", Some(Postgres))`.
fn parse_file_name(file_name: &str) -> Option<(u32, &str, Option<Backend>)> {
    let stem = file_name.strip_suffix(".sql")?;
    let backend = Backend::of_variant_file(file_name);
    let stem = match backend {
        Some(backend) => stem.strip_suffix(backend.name())?.strip_suffix('.')?,
        None => stem,
    };
    let (digits, name) = stem.split_once('_')?;
    let valid_name = !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) || !valid_name {
        return None;
    }
    Some((digits.parse().ok()?, name, backend))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_give_version_name_and_backend() {
        assert_eq!(
            parse_file_name("0001_create_users.sql"),
            Some((1, "create_users", None))
        );
        assert_eq!(
            parse_file_name("0012_index.postgres.sql"),
            Some((12, "index", Some(Backend::Postgres)))
        );
        assert_eq!(parse_file_name("create_users.sql"), None);
        assert_eq!(parse_file_name("0001.sql"), None);
        assert_eq!(parse_file_name("0001_.sql"), None);
        assert_eq!(parse_file_name("0001_a.b.sql"), None);
        assert_eq!(parse_file_name("x001_a.sql"), None);
    }
}
