//! Reading a queries file and its variant files with warden-sql's own format code, and the
//! checks that make one function fit every backend.

use std::path::Path;

use warden_query_file::{
    self as format, Block, Dialect, Place, QueryKind, argument, check_declared, check_variant_kind,
};

/// What the macro read: the queries to generate functions for, and the files they came from.
#[derive(Debug, Default)]
pub(crate) struct Loaded {
    /// The absolute paths of the files read, for cargo to rebuild when one changes.
    pub(crate) files: Vec<String>,
    /// The shared queries, then the variant-only ones, in file order.
    pub(crate) queries: Vec<Definition>,
}

/// One query name, as the generated function sees it.
#[derive(Debug)]
pub(crate) struct Definition {
    pub(crate) name: String,
    pub(crate) kind: QueryKind,
    pub(crate) doc: String,
    /// The function's arguments: parameters in order of first use, `u` for `:u.login`, the
    /// fixed ones left out.
    pub(crate) args: Vec<String>,
    /// The first definition: the shared one, or the first variant for a variant-only name.
    pub(crate) text: Text,
    /// Whether only variant files define it.
    pub(crate) variant_only: bool,
    /// The variants' texts.
    pub(crate) variants: Vec<Text>,
}

/// Where a definition is, and its SQL.
#[derive(Debug)]
pub(crate) struct Text {
    /// `sqlite`, `postgres`, `mysql`, or `None` in the shared file.
    pub(crate) backend: Option<&'static str>,
    pub(crate) file: String,
    pub(crate) line: usize,
    pub(crate) sql: String,
}

/// One block checked: its text, kind and every argument, fixed ones included.
struct Parsed {
    name: String,
    kind: QueryKind,
    doc: String,
    args: Vec<String>,
    text: Text,
}

/// Reads `path` (relative to `dir`, the crate's manifest directory) and its variant files.
pub(crate) fn load(dir: &str, path: &str, fixed: &[String]) -> Result<Loaded, String> {
    let mut loaded = Loaded::default();
    let mut shared = Vec::new();
    let text = read(dir, path, &mut loaded.files)?;
    for block in format::blocks(path, &text).map_err(|e| e.to_string())? {
        shared.push(parse(path, block, Dialect::Generic)?);
    }
    refuse_duplicates(&shared)?;
    // Each name's first definition, its variants, and whether only variant files define it.
    let mut queries: Vec<(Parsed, Vec<Text>, bool)> =
        shared.into_iter().map(|p| (p, Vec::new(), false)).collect();
    let stem = path.strip_suffix(".sql").filter(|stem| {
        !Dialect::BACKENDS
            .iter()
            .any(|d| stem.ends_with(&format!(".{}", d.backend_name().unwrap_or_default())))
    });
    for dialect in Dialect::BACKENDS.into_iter().filter(|_| stem.is_some()) {
        let file = format!(
            "{}.{}.sql",
            stem.unwrap_or_default(),
            dialect.backend_name().unwrap_or_default()
        );
        if !Path::new(dir).join(&file).is_file() {
            continue;
        }
        let text = read(dir, &file, &mut loaded.files)?;
        let mut parsed = Vec::new();
        for block in format::blocks(&file, &text).map_err(|e| e.to_string())? {
            parsed.push(parse(&file, block, dialect)?);
        }
        refuse_duplicates(&parsed)?;
        for variant in parsed {
            match queries.iter_mut().find(|(q, _, _)| q.name == variant.name) {
                Some((first, variants, _)) => {
                    same_signature(&variant, first)?;
                    variants.push(variant.text);
                }
                None => queries.push((variant, Vec::new(), true)),
            }
        }
    }
    for (first, variants, variant_only) in queries {
        loaded.queries.push(Definition {
            name: first.name,
            kind: first.kind,
            doc: first.doc,
            args: first
                .args
                .into_iter()
                .filter(|a| !fixed.contains(a))
                .collect(),
            text: first.text,
            variant_only,
            variants,
        });
    }
    Ok(loaded)
}

fn read(dir: &str, path: &str, files: &mut Vec<String>) -> Result<String, String> {
    let full = Path::new(dir).join(path);
    let text = std::fs::read_to_string(&full)
        .map_err(|e| format!("{path}: cannot read {}: {e}", full.display()))?;
    files.push(full.to_string_lossy().into_owned());
    Ok(text)
}

/// A block scanned and checked as warden-sql's loader does.
fn parse(file: &str, block: Block<'_>, dialect: Dialect) -> Result<Parsed, String> {
    let at = Place {
        file,
        line: block.sql_line,
    };
    let statement = format::statement(&block.name, block.kind, block.sql, at, dialect)
        .map_err(|e| e.to_string())?;
    if let Some(declared) = &block.declared {
        let at = Place {
            file,
            line: block.name_line,
        };
        check_declared(&block.name, at, &statement.params, declared).map_err(|e| e.to_string())?;
    }
    let mut args: Vec<String> = Vec::new();
    for param in &statement.params {
        let arg = argument(param);
        if !args.iter().any(|a| a == arg) {
            args.push(arg.to_owned());
        }
    }
    Ok(Parsed {
        name: block.name,
        kind: block.kind,
        doc: block.doc,
        args,
        text: Text {
            backend: dialect.backend_name(),
            file: file.to_owned(),
            line: block.name_line,
            sql: block.sql.to_owned(),
        },
    })
}

/// Names are unique within a file, as warden-sql's loader requires.
fn refuse_duplicates(parsed: &[Parsed]) -> Result<(), String> {
    for (i, query) in parsed.iter().enumerate() {
        if let Some(first) = parsed[..i].iter().find(|q| q.name == query.name) {
            return Err(format!(
                "{}:{}: duplicate query name {}, first defined at {}:{}",
                query.text.file, query.text.line, query.name, first.text.file, first.text.line
            ));
        }
    }
    Ok(())
}

/// A variant is called through the same function: same kind, same arguments.
fn same_signature(variant: &Parsed, first: &Parsed) -> Result<(), String> {
    check_variant_kind(&variant.name, place(variant), place(first)).map_err(|e| e.to_string())?;
    let mut theirs = variant.args.clone();
    let mut ours = first.args.clone();
    theirs.sort();
    ours.sort();
    if theirs != ours {
        return Err(format!(
            "{}:{}: variant {} takes the parameters ({}), but {}:{} takes ({}): one function \
             serves every backend, so they must be the same",
            variant.text.file,
            variant.text.line,
            variant.name,
            variant.args.join(", "),
            first.text.file,
            first.text.line,
            first.args.join(", ")
        ));
    }
    Ok(())
}

fn place(parsed: &Parsed) -> (QueryKind, Place<'_>) {
    let place = Place {
        file: &parsed.text.file,
        line: parsed.text.line,
    };
    (parsed.kind, place)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A fresh directory holding `files`.
    fn dir(files: &[(&str, &str)]) -> std::path::PathBuf {
        use std::sync::atomic::{AtomicUsize, Ordering};
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let dir = std::env::temp_dir().join(format!(
            "warden-macros-{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::create_dir_all(&dir).unwrap();
        for (name, text) in files {
            std::fs::write(dir.join(name), text).unwrap();
        }
        dir
    }

    fn load_files(files: &[(&str, &str)], fixed: &[&str]) -> Result<Loaded, String> {
        let dir = dir(files);
        let fixed: Vec<String> = fixed.iter().map(|f| (*f).to_owned()).collect();
        let loaded = load(dir.to_str().unwrap(), "q.sql", &fixed);
        std::fs::remove_dir_all(&dir).unwrap();
        loaded
    }

    #[test]
    fn arguments_are_parameters_in_order_of_first_use_without_fixed_ones() {
        let sql = "-- name: q^\nSELECT :b, :u.login, :tenant, :a, :u.email, :b";
        let loaded = load_files(&[("q.sql", sql)], &["tenant"]).unwrap();
        assert_eq!(loaded.queries[0].args, ["b", "u", "a"]);
        assert_eq!(loaded.files.len(), 1);
    }

    #[test]
    fn variants_are_read_and_variant_only_names_kept() {
        let loaded = load_files(
            &[
                ("q.sql", "-- name: q$\nSELECT :a"),
                (
                    "q.mysql.sql",
                    "-- name: q$\nSELECT :a + 0\n-- name: only!\nDO :x",
                ),
            ],
            &[],
        )
        .unwrap();
        let names: Vec<&str> = loaded.queries.iter().map(|q| q.name.as_str()).collect();
        assert_eq!(names, ["q", "only"]);
        assert_eq!(loaded.queries[0].variants[0].backend, Some("mysql"));
        assert!(loaded.queries[1].variant_only);
        assert_eq!(loaded.files.len(), 2);
    }

    #[test]
    fn file_errors_are_the_loaders() {
        let error = load_files(&[("q.sql", "-- name: a?\nSELECT 1")], &[]).unwrap_err();
        assert!(error.starts_with("q.sql:1: bad suffix \"?\""), "{error}");
        let error = load_files(&[("q.sql", "-- name: a\nSELECT 'x")], &[]).unwrap_err();
        assert!(
            error.starts_with("q.sql:2: unterminated string in query a"),
            "{error}"
        );
    }

    #[test]
    fn a_variant_with_other_parameters_names_both_places() {
        let error = load_files(
            &[
                ("q.sql", "-- name: q!\nDELETE FROM t WHERE id = :id"),
                (
                    "q.sqlite.sql",
                    "\n-- name: q!\nDELETE FROM t WHERE k = :key",
                ),
            ],
            &[],
        )
        .unwrap_err();
        assert!(
            error.starts_with(
                "q.sqlite.sql:2: variant q takes the parameters (key), but q.sql:1 takes (id)"
            ),
            "{error}"
        );
    }

    #[test]
    fn a_variant_with_another_suffix_is_refused_as_the_loader_does() {
        let error = load_files(
            &[
                ("q.sql", "-- name: q$\nSELECT 1"),
                ("q.postgres.sql", "-- name: q\nSELECT 1"),
            ],
            &[],
        )
        .unwrap_err();
        assert_eq!(
            error,
            "q.postgres.sql:1: variant q has suffix none, but q.sql:1 has `$`"
        );
    }
}
