//! `check`: the settings, the queries and the routes, checked without serving, with every
//! problem named at once. Through a back-end's binary it reports what building the application
//! found (settings, secrets, declarations, checkers and the queries they name, CORS, limits);
//! through the `warden` binary, the settings, the query files and the database.

use crate::Context;

pub(crate) async fn run(ctx: &Context<'_>, out: &mut dyn std::io::Write) -> anyhow::Result<bool> {
    let settings = &ctx.settings;
    let mut problems: Vec<String> = Vec::new();
    let mut warnings: Vec<String> = Vec::new();
    let mut checked = Vec::new();
    if let Some(app) = ctx.app {
        warnings.extend(app.warnings().iter().cloned());
        checked.push(format!("{} routes", app.routes().len()));
    } else if !ctx.build_problems.is_empty() {
        warnings.extend(settings.warnings());
    } else {
        // No back-end: what the settings and the named files alone can tell.
        problems.extend(settings.problems());
        if settings.mode == warden::RunMode::Production && settings.secret.is_none() {
            problems.push(
                "no secret configured: production requires one (set WARDEN_SECRET)".to_owned(),
            );
        }
        warnings.extend(settings.warnings());
        if settings.database_url.is_some() {
            match ctx.connect().await {
                Ok(db) => {
                    checked.push("the database".to_owned());
                    db.close().await;
                }
                Err(e) => problems.push(format!("{e:#}")),
            }
        }
    }
    problems.extend(ctx.build_problems.iter().cloned());
    checked.insert(0, format!("{} settings", settings.mode));
    for warning in &warnings {
        writeln!(out, "warning: {warning}")?;
    }
    for problem in &problems {
        writeln!(out, "problem: {problem}")?;
    }
    if problems.is_empty() {
        writeln!(out, "ok: {}", checked.join(", "))?;
    } else {
        writeln!(out, "{} problem(s)", problems.len())?;
    }
    Ok(problems.is_empty())
}
