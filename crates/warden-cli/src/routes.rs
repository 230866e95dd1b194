//! `routes`: every route of a back-end with its methods, declaration and tags.

use anyhow::Context as _;

use crate::Context;

pub(crate) fn run(ctx: &Context<'_>, out: &mut dyn std::io::Write) -> anyhow::Result<bool> {
    let app = ctx.app.context(
        "routes are compiled into each back-end: run this command through its binary (stuff routes)",
    )?;
    let width = app.routes().iter().map(|r| r.path.len()).max().unwrap_or(0);
    for route in app.routes() {
        writeln!(
            out,
            "{:<7} {:<width$}  {}",
            route.method.as_str(),
            route.path,
            route.policy
        )?;
    }
    Ok(true)
}
