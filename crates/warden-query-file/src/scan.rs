//! Lexical scan of one query's SQL: where its `:name` parameters are, where statements end.
//!
//! The scan knows just enough SQL to never take a colon inside a string, a quoted identifier, a
//! comment, a dollar-quoted body or a `::` cast for a parameter. Each backend quotes a little
//! differently (MySQL escapes with backslashes and comments with `#`, PostgreSQL has `E'...'`
//! strings, dollar quotes and nested block comments, SQLite has `[identifiers]`), so the scan
//! takes a [`Dialect`]; [`Dialect::Generic`] is used for the shared `queries.sql` before the
//! backend is known.

/// The quoting rules to scan with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    /// Standard SQL plus what PostgreSQL and SQLite accept without ambiguity.
    Generic,
    /// SQLite: `[identifiers]`, `?` placeholders refused.
    Sqlite,
    /// PostgreSQL: `E'...'` strings, dollar quotes, nested block comments.
    Postgres,
    /// MySQL and MariaDB: backslash escapes, `#` comments, `--` only before whitespace.
    MySql,
}

impl Dialect {
    /// The dialects of the backends, which variant files are named after.
    pub const BACKENDS: [Dialect; 3] = [Self::Sqlite, Self::Postgres, Self::MySql];

    /// The backend's name in variant file names (`queries.postgres.sql`); `None` for
    /// [`Dialect::Generic`].
    #[must_use]
    pub fn backend_name(self) -> Option<&'static str> {
        match self {
            Self::Generic => None,
            Self::Sqlite => Some("sqlite"),
            Self::Postgres => Some("postgres"),
            Self::MySql => Some("mysql"),
        }
    }
}

/// One `:name` or `:a.b` in the SQL text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Occurrence<'a> {
    /// Byte offset of the colon.
    pub start: usize,
    /// Byte offset just after the name.
    pub end: usize,
    /// The name without the colon, dots included.
    pub name: &'a str,
}

/// The result of scanning one query.
#[derive(Debug, Default)]
pub struct Scanned<'a> {
    /// Every `:name`, in order, repeated ones included.
    pub params: Vec<Occurrence<'a>>,
    /// Offset of the first `;` outside quotes and comments, if any.
    pub first_semicolon: Option<usize>,
    /// Offset of the first SQL text after a `;` (a second statement), if any.
    pub second_statement: Option<usize>,
}

/// Why a scan failed, with the byte offset where the culprit starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ScanError {
    /// A string, quoted identifier, comment or dollar quote that never ends.
    Unterminated {
        /// What is not terminated (`string`, `block comment`...).
        what: &'static str,
        /// Where it starts.
        at: usize,
    },
    /// A `?` or `$1` placeholder, which named queries do not use.
    Positional {
        /// The placeholder's form (`?`, `$n`).
        placeholder: &'static str,
        /// Where it is.
        at: usize,
    },
}

impl ScanError {
    /// The byte offset where the culprit starts.
    #[must_use]
    pub fn offset(&self) -> usize {
        match self {
            Self::Unterminated { at, .. } | Self::Positional { at, .. } => *at,
        }
    }

    /// What went wrong, to be followed by " in query NAME" and [`ScanError::hint`].
    #[must_use]
    pub fn describe(&self) -> String {
        match self {
            Self::Unterminated { what, .. } => format!("unterminated {what}"),
            Self::Positional { placeholder, .. } => format!("positional placeholder {placeholder}"),
        }
    }

    /// What to do instead, if there is advice: `; name parameters :name instead`.
    #[must_use]
    pub fn hint(&self) -> &'static str {
        match self {
            Self::Unterminated { .. } => "",
            Self::Positional { .. } => "; name parameters :name instead",
        }
    }
}

fn is_ident_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b == b'$' || b >= 0x80
}

fn is_name_start(b: u8) -> bool {
    b.is_ascii_alphabetic() || b == b'_'
}

fn is_name_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

/// Scans `sql` with `dialect`'s quoting rules.
///
/// # Errors
/// Something unterminated, or a positional placeholder.
pub fn scan(sql: &str, dialect: Dialect) -> Result<Scanned<'_>, ScanError> {
    let bytes = sql.as_bytes();
    let backslashes = dialect == Dialect::MySql;
    let postgres_like = matches!(dialect, Dialect::Generic | Dialect::Postgres);
    let mut out = Scanned::default();
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        let prev = if i > 0 { bytes[i - 1] } else { b' ' };
        let next = bytes.get(i + 1).copied();
        let start = i;
        // Everything that is neither whitespace nor a comment counts as SQL text.
        let mut code = true;
        match b {
            b'\'' => {
                let escapes = backslashes || (postgres_like && is_e_prefix(bytes, i));
                i = skip_quoted(bytes, i, b'\'', escapes, "string")?;
            }
            b'"' => i = skip_quoted(bytes, i, b'"', backslashes, "quoted identifier")?,
            b'`' => i = skip_quoted(bytes, i, b'`', false, "quoted identifier")?,
            b'[' if dialect == Dialect::Sqlite => {
                i = match memchr(bytes, i + 1, b']') {
                    Some(end) => end + 1,
                    None => return Err(unterminated("quoted identifier", i)),
                };
            }
            b'-' if next == Some(b'-') && line_comment_allowed(dialect, bytes, i) => {
                i = memchr(bytes, i, b'\n').unwrap_or(bytes.len());
                code = false;
            }
            b'#' if dialect == Dialect::MySql => {
                i = memchr(bytes, i, b'\n').unwrap_or(bytes.len());
                code = false;
            }
            b'/' if next == Some(b'*') => {
                i = skip_block_comment(bytes, i, postgres_like)?;
                code = false;
            }
            b'$' if postgres_like && !is_ident_byte(prev) => {
                if next.is_some_and(|n| n.is_ascii_digit()) {
                    return Err(ScanError::Positional {
                        placeholder: "$n",
                        at: i,
                    });
                }
                i = match dollar_tag(bytes, i) {
                    Some(tag_end) => skip_dollar_quoted(bytes, i, tag_end)?,
                    None => i + 1,
                };
            }
            b'?' if matches!(dialect, Dialect::Sqlite | Dialect::MySql) => {
                return Err(ScanError::Positional {
                    placeholder: "?",
                    at: i,
                });
            }
            b':' => {
                if next == Some(b':') {
                    // A cast: skip every colon of the run so that `:::` stays a cast too.
                    while bytes.get(i) == Some(&b':') {
                        i += 1;
                    }
                } else if next.is_some_and(is_name_start) && !is_ident_byte(prev) {
                    i = scan_param(sql, i, &mut out);
                } else {
                    i += 1;
                }
            }
            b';' => {
                out.first_semicolon.get_or_insert(i);
                i += 1;
            }
            _ if b.is_ascii_whitespace() => {
                i += 1;
                code = false;
            }
            _ => i += 1,
        }
        if code && b != b';' && out.first_semicolon.is_some() {
            out.second_statement.get_or_insert(start);
        }
        if code && b == b';' && out.first_semicolon != Some(start) {
            // `;;` is an empty second statement: still a second statement.
            out.second_statement.get_or_insert(start);
        }
    }
    Ok(out)
}

fn unterminated(what: &'static str, at: usize) -> ScanError {
    ScanError::Unterminated { what, at }
}

fn memchr(bytes: &[u8], from: usize, needle: u8) -> Option<usize> {
    bytes
        .get(from..)?
        .iter()
        .position(|&b| b == needle)
        .map(|p| p + from)
}

/// `E'...'` (PostgreSQL): the quote is preceded by a lone `E` or `e`.
fn is_e_prefix(bytes: &[u8], quote: usize) -> bool {
    quote >= 1
        && matches!(bytes[quote - 1], b'E' | b'e')
        && (quote < 2 || !is_ident_byte(bytes[quote - 2]))
}

/// MySQL needs whitespace after `--` for a comment (`1--1` is arithmetic there).
fn line_comment_allowed(dialect: Dialect, bytes: &[u8], at: usize) -> bool {
    dialect != Dialect::MySql
        || bytes
            .get(at + 2)
            .is_none_or(|b| b.is_ascii_whitespace() || b.is_ascii_control())
}

/// Skips a quoted run opened at `open`; returns the offset after the closing quote.
fn skip_quoted(
    bytes: &[u8],
    open: usize,
    quote: u8,
    backslashes: bool,
    what: &'static str,
) -> Result<usize, ScanError> {
    let mut i = open + 1;
    while i < bytes.len() {
        let b = bytes[i];
        if backslashes && b == b'\\' {
            i += 2;
        } else if b == quote {
            if bytes.get(i + 1) == Some(&quote) {
                i += 2;
            } else {
                return Ok(i + 1);
            }
        } else {
            i += 1;
        }
    }
    Err(unterminated(what, open))
}

fn skip_block_comment(bytes: &[u8], open: usize, nested: bool) -> Result<usize, ScanError> {
    let mut depth = 1usize;
    let mut i = open + 2;
    while i + 1 < bytes.len() {
        if bytes[i] == b'*' && bytes[i + 1] == b'/' {
            depth -= 1;
            i += 2;
            if depth == 0 {
                return Ok(i);
            }
        } else if nested && bytes[i] == b'/' && bytes[i + 1] == b'*' {
            depth += 1;
            i += 2;
        } else {
            i += 1;
        }
    }
    Err(unterminated("block comment", open))
}

/// If a dollar-quote tag (`$$` or `$tag$`) opens at `at`, the offset just after it.
fn dollar_tag(bytes: &[u8], at: usize) -> Option<usize> {
    let mut i = at + 1;
    match bytes.get(i) {
        Some(b'$') => return Some(i + 1),
        Some(&b) if is_name_start(b) || b >= 0x80 => {}
        _ => return None,
    }
    while let Some(&b) = bytes.get(i) {
        if b == b'$' {
            return Some(i + 1);
        }
        if !(is_name_byte(b) || b >= 0x80) {
            return None;
        }
        i += 1;
    }
    None
}

fn skip_dollar_quoted(bytes: &[u8], open: usize, tag_end: usize) -> Result<usize, ScanError> {
    let tag = &bytes[open..tag_end];
    let body = &bytes[tag_end..];
    body.windows(tag.len())
        .position(|window| window == tag)
        .map(|p| tag_end + p + tag.len())
        .ok_or(unterminated("dollar-quoted string", open))
}

/// Records the parameter whose colon is at `colon`; returns the offset after its name.
fn scan_param<'a>(sql: &'a str, colon: usize, out: &mut Scanned<'a>) -> usize {
    let bytes = sql.as_bytes();
    let mut end = colon + 1;
    loop {
        while bytes.get(end).copied().is_some_and(is_name_byte) {
            end += 1;
        }
        // `:u.login` reads field `login` of object parameter `u`.
        if bytes.get(end) == Some(&b'.') && bytes.get(end + 1).copied().is_some_and(is_name_start) {
            end += 1;
        } else {
            break;
        }
    }
    out.params.push(Occurrence {
        start: colon,
        end,
        name: &sql[colon + 1..end],
    });
    end
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(sql: &str, dialect: Dialect) -> Vec<&str> {
        scan(sql, dialect)
            .unwrap()
            .params
            .into_iter()
            .map(|o| o.name)
            .collect()
    }

    #[test]
    fn finds_plain_and_dotted_parameters() {
        let sql = "INSERT INTO U(a, b) VALUES (:u.login, :pw) -- :nope";
        assert_eq!(names(sql, Dialect::Generic), ["u.login", "pw"]);
    }

    #[test]
    fn casts_are_not_parameters() {
        assert_eq!(
            names("SELECT :x::int, a::text, :y:::z", Dialect::Postgres),
            ["x", "y"]
        );
    }

    #[test]
    fn colons_in_strings_identifiers_and_comments_are_not_parameters() {
        let sql = r#"SELECT ':a', "b:c", `d:e`, /* :f /* :g */ :h */ 1 FROM t WHERE x = :real"#;
        assert_eq!(names(sql, Dialect::Generic), ["real"]);
    }

    #[test]
    fn doubled_quotes_stay_inside_the_string() {
        assert_eq!(names("SELECT 'it''s :no', :yes", Dialect::Sqlite), ["yes"]);
    }

    #[test]
    fn backslash_escapes_only_where_the_dialect_has_them() {
        let sql = r"SELECT 'a\', :p";
        // Standard SQL: the string is `a\` and :p is a parameter.
        assert_eq!(names(sql, Dialect::Postgres), ["p"]);
        // MySQL: `\'` escapes the quote, so the string never ends.
        assert!(matches!(
            scan(sql, Dialect::MySql),
            Err(ScanError::Unterminated {
                what: "string",
                at: 7
            })
        ));
        assert_eq!(names(r"SELECT E'\':no', :p", Dialect::Postgres), ["p"]);
    }

    #[test]
    fn dollar_quotes_hide_their_body() {
        let sql = "SELECT $$ :a $$, $fn$ :b $$ $fn$, :c, x$y";
        assert_eq!(names(sql, Dialect::Postgres), ["c"]);
    }

    #[test]
    fn mysql_hash_comments_and_dash_rules() {
        assert_eq!(names("SELECT 1 # :a\n, :b", Dialect::MySql), ["b"]);
        assert_eq!(names("SELECT 1--:a", Dialect::MySql), ["a"]);
        assert_eq!(names("SELECT 1-- :a", Dialect::MySql), Vec::<&str>::new());
    }

    #[test]
    fn sqlite_bracket_identifiers() {
        assert_eq!(names("SELECT [a:b], :c", Dialect::Sqlite), ["c"]);
    }

    #[test]
    fn slices_and_assignments_are_not_parameters() {
        assert_eq!(
            names("SELECT a[1:n], @v := 3, x:y", Dialect::Generic),
            Vec::<&str>::new()
        );
    }

    #[test]
    fn positional_placeholders_are_refused() {
        assert!(matches!(
            scan("SELECT $1", Dialect::Postgres),
            Err(ScanError::Positional { at: 7, .. })
        ));
        assert!(matches!(
            scan("SELECT ?", Dialect::Sqlite),
            Err(ScanError::Positional { at: 7, .. })
        ));
        // `?` is a jsonb operator in PostgreSQL.
        assert!(scan("SELECT d ? 'k'", Dialect::Postgres).is_ok());
    }

    #[test]
    fn statements_are_delimited_by_semicolons_outside_quotes() {
        let one = scan("SELECT ';'; -- done\n", Dialect::Generic).unwrap();
        assert_eq!(one.first_semicolon, Some(10));
        assert_eq!(one.second_statement, None);
        let two = scan("SELECT 1; SELECT 2", Dialect::Generic).unwrap();
        assert_eq!(two.second_statement, Some(10));
        let empty = scan("SELECT 1;;", Dialect::Generic).unwrap();
        assert_eq!(empty.second_statement, Some(9));
    }

    #[test]
    fn unterminated_things_report_where_they_start() {
        for (sql, what, at) in [
            ("SELECT 'abc", "string", 7),
            ("SELECT \"abc", "quoted identifier", 7),
            ("SELECT /* abc", "block comment", 7),
            ("SELECT $x$ abc", "dollar-quoted string", 7),
        ] {
            assert_eq!(
                scan(sql, Dialect::Generic).unwrap_err(),
                ScanError::Unterminated { what, at },
                "{sql}"
            );
        }
    }
}
