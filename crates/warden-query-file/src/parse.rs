//! Splitting a queries file into named blocks (the aiosql/AnoDB format).
//!
//! ```sql
//! -- name: get_stuff_sid^
//! -- One stuff by its id.            <- documentation, kept
//! -- @slow                           <- an annotation, not documentation
//! SELECT * FROM Stuff WHERE sid = :sid;
//! ```
//!
//! A name may declare its parameters, as AnoDB's files do: `-- name: get_by_login(login)^`,
//! `-- name: now()$`; the list must then name exactly the parameters the SQL uses (for
//! `:u.login`, `u`).
//!
//! Text before the first `-- name:` line (a file's licence, `SET` statements for a console) is
//! ignored, as aiosql ignores it; a file with SQL but no `-- name:` line at all is refused, since
//! everything in it would be.

use crate::QueryKind;
use crate::error::{Error, Result};

/// One `-- name:` block, still borrowing the file's text.
#[derive(Debug)]
pub struct Block<'a> {
    /// The query's name, hyphens turned into underscores.
    pub name: String,
    /// What the query returns (its suffix).
    pub kind: QueryKind,
    /// The parameters the name line declares, `get(a, b)^`; `None` without a list.
    pub declared: Option<Vec<String>>,
    /// The comment lines between the name line and the SQL, without their `--`.
    pub doc: String,
    /// The `-- @word` lines between the name line and the SQL, without their `-- @`.
    pub annotations: Vec<String>,
    /// The SQL, trimmed at its end (empty when the block has none).
    pub sql: &'a str,
    /// 1-based line of the `-- name:` line.
    pub name_line: usize,
    /// 1-based line on which `sql` starts.
    pub sql_line: usize,
}

fn load_error(origin: &str, line: usize, message: impl std::fmt::Display) -> Error {
    Error::at(origin, line, message)
}

/// The rest of a `-- name:` line after the colon, or `None` for any other line.
fn name_line(line: &str) -> Option<&str> {
    let rest = line.trim_start().strip_prefix("--")?.trim_start();
    let rest = rest.strip_prefix("name")?.trim_start();
    rest.strip_prefix(':')
}

fn comment_text(line: &str) -> Option<&str> {
    let text = line.trim_start().strip_prefix("--")?;
    Some(text.strip_prefix(' ').unwrap_or(text).trim_end())
}

/// A name line's contents: the name, its declared parameters, its kind.
type Spec = (String, Option<Vec<String>>, QueryKind);

/// Parses `NAME`, an optional `(param, ...)` list, and an optional suffix; hyphens become
/// underscores, as in aiosql.
fn name_and_kind(spec: &str) -> std::result::Result<Spec, String> {
    let spec = spec.trim();
    let name_len = spec
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '-'))
        .unwrap_or(spec.len());
    let (name, mut suffix) = spec.split_at(name_len);
    if !name.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_') {
        return Err(if spec.is_empty() {
            "`-- name:` without a name".to_owned()
        } else {
            format!("bad query name {spec:?}: names start with a letter or `_`")
        });
    }
    let mut declared = None;
    if let Some(rest) = suffix.strip_prefix('(') {
        let (list, after) = rest
            .split_once(')')
            .ok_or_else(|| format!("query {name}: `(` without `)` in its parameter list"))?;
        let params: Vec<String> = list
            .split(',')
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .map(str::to_owned)
            .collect();
        if let Some(bad) = params.iter().find(|p| {
            !p.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
                || !p.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        }) {
            return Err(format!(
                "query {name}: bad parameter name {bad:?} in its list"
            ));
        }
        declared = Some(params);
        suffix = after;
    }
    let kind = QueryKind::from_suffix(suffix).ok_or_else(|| {
        format!("bad suffix {suffix:?} on query {name}: expected none, ^, $, !, <!, *! or #")
    })?;
    Ok((name.replace('-', "_"), declared, kind))
}

/// Splits `text` (read from `origin`) into blocks.
///
/// # Errors
/// A bad name, suffix or parameter list, a block without SQL, or SQL in a file without any
/// `-- name:` line, at its line of `origin`.
pub fn blocks<'a>(origin: &str, text: &'a str) -> Result<Vec<Block<'a>>> {
    let mut blocks: Vec<Block<'a>> = Vec::new();
    // Byte offset of the current line in `text`.
    let mut offset = 0;
    // Byte range of the current block's SQL so far.
    let mut sql_range: Option<(usize, usize)> = None;
    // The first line of SQL before any `-- name:` line.
    let mut preamble: Option<usize> = None;
    for (index, line) in text.split_inclusive('\n').enumerate() {
        let number = index + 1;
        let line_start = offset;
        offset += line.len();
        let content = line.trim_end_matches(['\n', '\r']);
        if let Some(spec) = name_line(content) {
            close_block(&mut blocks, text, sql_range.take());
            let (name, declared, kind) =
                name_and_kind(spec).map_err(|m| load_error(origin, number, m))?;
            blocks.push(Block {
                name,
                kind,
                declared,
                doc: String::new(),
                annotations: Vec::new(),
                sql: "",
                name_line: number,
                sql_line: number,
            });
            continue;
        }
        let Some(block) = blocks.last_mut() else {
            // The preamble: ignored, unless no `-- name:` line ever comes (checked below).
            if preamble.is_none() && !content.trim().is_empty() && comment_text(content).is_none() {
                preamble = Some(number);
            }
            continue;
        };
        match (&mut sql_range, comment_text(content)) {
            // Comments between the name line and the SQL document the query.
            (None, Some(comment)) => {
                if let Some(annotation) = comment.strip_prefix('@') {
                    block.annotations.push(annotation.trim().to_owned());
                } else {
                    if !block.doc.is_empty() {
                        block.doc.push('\n');
                    }
                    block.doc.push_str(comment);
                }
            }
            (None, None) if content.trim().is_empty() => {}
            (None, None) => {
                block.sql_line = number;
                sql_range = Some((line_start, line_start + content.len()));
            }
            (Some(range), _) => range.1 = line_start + content.len(),
        }
    }
    close_block(&mut blocks, text, sql_range);
    if let (Some(line), true) = (preamble, blocks.is_empty()) {
        return Err(load_error(
            origin,
            line,
            "SQL without a `-- name:` line: name each query (-- name: get_stuff^)",
        ));
    }
    for block in &mut blocks {
        block.doc = block.doc.trim().to_owned();
        if block.sql.is_empty() {
            return Err(load_error(
                origin,
                block.name_line,
                format!("query {} has no SQL", block.name),
            ));
        }
    }
    Ok(blocks)
}

fn close_block<'a>(blocks: &mut [Block<'a>], text: &'a str, range: Option<(usize, usize)>) {
    if let (Some(block), Some((start, end))) = (blocks.last_mut(), range) {
        block.sql = text[start..end].trim_end();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SEED: &str = "\
-- the seed course's queries
-- name: get_stuff_all
SELECT * FROM Stuff ORDER BY 1;

-- name: get-stuff-sid^
-- One stuff by id.
--   Returns nothing when absent.
-- @slow
SELECT *
  FROM Stuff
  WHERE sid = :sid;
-- name: count_stuff$
SELECT COUNT(*) FROM Stuff;
";

    #[test]
    fn splits_blocks_with_documentation_and_annotations() {
        let blocks = blocks("q.sql", SEED).unwrap();
        assert_eq!(blocks.len(), 3);
        assert_eq!(blocks[0].name, "get_stuff_all");
        assert_eq!(blocks[0].kind, QueryKind::Rows);
        assert_eq!(blocks[0].sql, "SELECT * FROM Stuff ORDER BY 1;");
        assert_eq!((blocks[0].name_line, blocks[0].sql_line), (2, 3));
        let one = &blocks[1];
        assert_eq!(one.name, "get_stuff_sid");
        assert_eq!(one.kind, QueryKind::One);
        assert_eq!(one.doc, "One stuff by id.\n  Returns nothing when absent.");
        assert_eq!(one.annotations, ["slow"]);
        assert_eq!(one.sql, "SELECT *\n  FROM Stuff\n  WHERE sid = :sid;");
        assert_eq!(one.sql_line, 9);
        assert_eq!(blocks[2].kind, QueryKind::Value);
    }

    #[test]
    fn every_suffix_is_understood() {
        for (suffix, kind) in [
            ("", QueryKind::Rows),
            ("^", QueryKind::One),
            ("$", QueryKind::Value),
            ("!", QueryKind::Execute),
            ("<!", QueryKind::Returning),
            ("*!", QueryKind::ExecuteMany),
            ("#", QueryKind::Script),
        ] {
            let text = format!("-- name: q{suffix}\nSELECT 1");
            assert_eq!(blocks("f", &text).unwrap()[0].kind, kind, "{suffix}");
        }
    }

    #[test]
    fn names_may_declare_their_parameters_and_a_preamble_is_ignored() {
        let text = "SET search_path = app;\n\
                    -- name: get_by_login(login)^\nSELECT * FROM u WHERE login = :login;\n\
                    -- name: get_now()$\nSELECT CURRENT_TIMESTAMP;\n\
                    -- name: pair( a , b )\nSELECT :a, :b;\n";
        let blocks = blocks("f", text).unwrap();
        assert_eq!(blocks.len(), 3);
        assert_eq!(blocks[0].name, "get_by_login");
        assert_eq!(blocks[0].kind, QueryKind::One);
        assert_eq!(
            blocks[0].declared.as_deref(),
            Some(&["login".to_owned()][..])
        );
        assert_eq!(blocks[1].declared.as_deref(), Some(&[][..]));
        assert_eq!(blocks[1].kind, QueryKind::Value);
        assert_eq!(
            blocks[2].declared.as_deref(),
            Some(&["a".to_owned(), "b".to_owned()][..])
        );
        assert_eq!(blocks[2].kind, QueryKind::Rows);
    }

    #[test]
    fn crlf_line_endings_are_fine() {
        let blocks = blocks("f", "-- name: a\r\n-- doc\r\nSELECT 1;\r\n").unwrap();
        assert_eq!(blocks[0].sql, "SELECT 1;");
        assert_eq!(blocks[0].doc, "doc");
    }

    #[test]
    fn errors_name_the_file_and_line() {
        for (text, message) in [
            ("-- name: a?\nSELECT 1", "f:1: bad suffix \"?\""),
            ("-- name: a ^\nSELECT 1", "f:1: bad suffix \" ^\""),
            ("\n-- name: 1a\nSELECT 1", "f:2: bad query name \"1a\""),
            ("-- name:\nSELECT 1", "f:1: `-- name:` without a name"),
            ("-- hello\nSELECT 1", "f:2: SQL without a `-- name:` line"),
            ("-- name: a(x\nSELECT :x", "f:1: query a: `(` without `)`"),
            (
                "-- name: a(x y)\nSELECT :x",
                "f:1: query a: bad parameter name \"x y\"",
            ),
            (
                "-- name: a\nSELECT 1\n-- name: b\n-- doc\n",
                "f:3: query b has no SQL",
            ),
        ] {
            let error = blocks("f", text).unwrap_err().to_string();
            assert!(error.starts_with(message), "{error} / {message}");
        }
    }
}
