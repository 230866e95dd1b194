//! One query's SQL checked under a dialect: its parameters, where it ends, and the errors the
//! loader reports (several statements outside a script, parameters in a script, a parameter
//! list that does not match the SQL, a variant that returns something else).

use crate::QueryKind;
use crate::error::{Error, Result};
use crate::scan::{self, Dialect, Occurrence, ScanError};

/// Where a query's text is, for its error messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Place<'a> {
    /// The file (or the name given to an embedded string).
    pub file: &'a str,
    /// The 1-based line.
    pub line: usize,
}

/// A query's SQL as scanned under one dialect.
#[derive(Debug)]
pub struct Statement<'a> {
    /// Every `:name` in the SQL, in order, repeated ones included.
    pub occurrences: Vec<Occurrence<'a>>,
    /// For each occurrence, the index of its name in [`Statement::params`].
    pub binds: Vec<usize>,
    /// The parameter names, each once, in order of first use; `u.login` for `:u.login`.
    pub params: Vec<&'a str>,
    /// Where the SQL to send ends: a lone trailing `;` (and any comment after it) is dropped,
    /// since MySQL refuses it in prepared statements; scripts keep theirs.
    pub end: usize,
}

/// Scans query `name`'s `sql`, which starts at `at`, with `dialect`'s quoting rules.
///
/// # Errors
/// Something unterminated or a positional placeholder, several statements outside a `#`
/// script, or a parameter in a script, at the culprit's line.
pub fn statement<'a>(
    name: &str,
    kind: QueryKind,
    sql: &'a str,
    at: Place<'_>,
    dialect: Dialect,
) -> Result<Statement<'a>> {
    let error_at = |offset: usize, message: String| {
        Error::at(
            at.file,
            at.line + sql[..offset].matches('\n').count(),
            message,
        )
    };
    let scanned = scan::scan(sql, dialect).map_err(|e: ScanError| {
        error_at(
            e.offset(),
            format!("{} in query {name}{}", e.describe(), e.hint()),
        )
    })?;
    let is_script = kind == QueryKind::Script;
    if is_script {
        if let Some(param) = scanned.params.first() {
            return Err(error_at(
                param.start,
                format!("script {name} takes no parameters, found :{}", param.name),
            ));
        }
    } else if let Some(offset) = scanned.second_statement {
        return Err(error_at(
            offset,
            format!("query {name} holds several statements; only `#` scripts may"),
        ));
    }
    let end = match scanned.first_semicolon {
        Some(offset) if !is_script => offset,
        _ => sql.len(),
    };
    let mut params: Vec<&str> = Vec::new();
    let binds = scanned
        .params
        .iter()
        .map(|occurrence| {
            params
                .iter()
                .position(|n| *n == occurrence.name)
                .unwrap_or_else(|| {
                    params.push(occurrence.name);
                    params.len() - 1
                })
        })
        .collect();
    Ok(Statement {
        occurrences: scanned.params,
        binds,
        params,
        end,
    })
}

/// The argument a parameter is passed in: `u` for `u.login`.
#[must_use]
pub fn argument(param: &str) -> &str {
    param.split('.').next().unwrap_or(param)
}

/// A declared parameter list (`-- name: get(a, b)^`, defined at `at`) must name exactly the
/// parameters query `name`'s SQL uses (`params`), by their first component (`u` for
/// `:u.login`).
///
/// # Errors
/// The first parameter used but not declared, or declared but not used.
pub fn check_declared(
    name: &str,
    at: Place<'_>,
    params: &[&str],
    declared: &[String],
) -> Result<()> {
    let used: Vec<&str> = params.iter().map(|p| argument(p)).collect();
    let error = |message: String| Error::at(at.file, at.line, message);
    if let Some(missing) = used.iter().find(|u| !declared.iter().any(|d| d == *u)) {
        return Err(error(format!(
            "query {name} uses :{missing}, which its parameter list ({}) does not declare",
            declared.join(", ")
        )));
    }
    if let Some(unused) = declared.iter().find(|d| !used.contains(&d.as_str())) {
        return Err(error(format!(
            "query {name} declares the parameter {unused}, which its SQL does not use"
        )));
    }
    Ok(())
}

/// A variant (defined at `variant`) must return what the shared query (at `shared`) returns:
/// callers use one method for both.
///
/// # Errors
/// The kinds differ; the error is at the variant and names the shared definition.
pub fn check_variant_kind(
    name: &str,
    variant: (QueryKind, Place<'_>),
    shared: (QueryKind, Place<'_>),
) -> Result<()> {
    if variant.0 == shared.0 {
        return Ok(());
    }
    Err(Error::at(
        variant.1.file,
        variant.1.line,
        format!(
            "variant {name} has suffix {}, but {}:{} has {}",
            variant.0.describe_suffix(),
            shared.1.file,
            shared.1.line,
            shared.0.describe_suffix()
        ),
    ))
}
