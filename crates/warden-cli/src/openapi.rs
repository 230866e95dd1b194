//! `openapi`: the back-end's OpenAPI 3.1 document, as `GET /openapi.json` serves it.

use anyhow::Context as _;

use crate::Context;

pub(crate) fn run(ctx: &Context<'_>, out: &mut dyn std::io::Write) -> anyhow::Result<bool> {
    let app = ctx.app.context(
        "routes are compiled into each back-end: run this command through its binary (stuff openapi)",
    )?;
    serde_json::to_writer_pretty(&mut *out, app.openapi())?;
    writeln!(out)?;
    Ok(true)
}
