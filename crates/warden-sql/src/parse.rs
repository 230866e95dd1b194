//! Splitting a queries file into named blocks (the aiosql/AnoDB format).
//!
//! ```sql
//! -- name: get_stuff_sid^
//! -- One stuff by its id.            <- documentation, kept
//! -- @slow                           <- an annotation, not documentation
//! SELECT * FROM Stuff WHERE sid = :sid;
//! ```
//!
//! Only blank lines and `--` comments may come before the first `-- name:` line.

use crate::QueryKind;
use crate::error::{Error, ErrorKind, Result};

/// One `-- name:` block, still borrowing the file's text.
#[derive(Debug)]
pub(crate) struct Block<'a> {
    pub(crate) name: String,
    pub(crate) kind: QueryKind,
    pub(crate) doc: String,
    pub(crate) annotations: Vec<String>,
    /// The SQL, trimmed at its end (empty when the block has none).
    pub(crate) sql: &'a str,
    /// 1-based line of the `-- name:` line.
    pub(crate) name_line: usize,
    /// 1-based line on which `sql` starts.
    pub(crate) sql_line: usize,
}

pub(crate) fn load_error(origin: &str, line: usize, message: impl std::fmt::Display) -> Error {
    Error::new(ErrorKind::Load, format!("{origin}:{line}: {message}"))
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

/// Parses `NAME` plus an optional suffix; hyphens become underscores, as in aiosql.
fn name_and_kind(spec: &str) -> std::result::Result<(String, QueryKind), String> {
    let spec = spec.trim();
    let name_len = spec
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '-'))
        .unwrap_or(spec.len());
    let (name, suffix) = spec.split_at(name_len);
    if !name.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_') {
        return Err(if spec.is_empty() {
            "`-- name:` without a name".to_owned()
        } else {
            format!("bad query name {spec:?}: names start with a letter or `_`")
        });
    }
    let kind = QueryKind::from_suffix(suffix).ok_or_else(|| {
        format!("bad suffix {suffix:?} on query {name}: expected none, ^, $, !, <!, *! or #")
    })?;
    Ok((name.replace('-', "_"), kind))
}

/// Splits `text` (read from `origin`) into blocks.
pub(crate) fn blocks<'a>(origin: &str, text: &'a str) -> Result<Vec<Block<'a>>> {
    let mut blocks: Vec<Block<'a>> = Vec::new();
    // Byte offset of the current line in `text`.
    let mut offset = 0;
    // Byte range of the current block's SQL so far.
    let mut sql_range: Option<(usize, usize)> = None;
    for (index, line) in text.split_inclusive('\n').enumerate() {
        let number = index + 1;
        let line_start = offset;
        offset += line.len();
        let content = line.trim_end_matches(['\n', '\r']);
        if let Some(spec) = name_line(content) {
            close_block(&mut blocks, text, sql_range.take());
            let (name, kind) = name_and_kind(spec).map_err(|m| load_error(origin, number, m))?;
            blocks.push(Block {
                name,
                kind,
                doc: String::new(),
                annotations: Vec::new(),
                sql: "",
                name_line: number,
                sql_line: number,
            });
            continue;
        }
        let Some(block) = blocks.last_mut() else {
            if content.trim().is_empty() || comment_text(content).is_some() {
                continue;
            }
            return Err(load_error(
                origin,
                number,
                "SQL before the first `-- name:` line",
            ));
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
            ("-- hello\nSELECT 1", "f:2: SQL before the first"),
            (
                "-- name: a\nSELECT 1\n-- name: b\n-- doc\n",
                "f:3: query b has no SQL",
            ),
        ] {
            let error = blocks("f", text).unwrap_err();
            assert_eq!(error.kind(), ErrorKind::Load);
            assert!(error.message().starts_with(message), "{error} / {message}");
        }
    }
}
