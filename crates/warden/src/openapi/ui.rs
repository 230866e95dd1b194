//! The docs page: Swagger UI (npm `swagger-ui-dist` 5.35.0, vendored unmodified in
//! `crates/warden/assets/swagger-ui/`, Apache-2.0) embedded in the binary, started by a
//! script of warden's own so that the page needs no inline script.

/// The viewer's version, for the page's comment and the README.
pub(crate) const VERSION: &str = "5.35.0";

/// Swagger UI's bundle.
pub(crate) const BUNDLE_JS: &[u8] = include_bytes!("../../assets/swagger-ui/swagger-ui-bundle.js");
/// Its stylesheet.
pub(crate) const CSS: &[u8] = include_bytes!("../../assets/swagger-ui/swagger-ui.css");
/// warden's start script: reads the document's URL from the page.
pub(crate) const INIT_JS: &[u8] = include_bytes!("../../assets/swagger-ui/init.js");

/// What the docs page may load: its own scripts, styles (Swagger UI also sets inline styles),
/// images (some inline as `data:`), and the document from the same origin. No framing, no
/// forms, no base rewriting.
pub(crate) const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; \
     img-src 'self' data:; font-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; \
     base-uri 'none'; form-action 'none'";

/// The page at `docs_path`, showing the document at `spec_path`.
pub(crate) fn page(title: &str, docs_path: &str, spec_path: &str) -> String {
    let (title, docs, spec) = (escape(title), escape(docs_path), escape(spec_path));
    format!(
        r#"<!DOCTYPE html>
<!-- Swagger UI {VERSION}, served by warden -->
<html lang="en">
<head>
<meta charset="utf-8">
<title>{title}: API docs</title>
<link rel="stylesheet" href="{docs}/swagger-ui.css">
</head>
<body>
<div id="swagger-ui" data-url="{spec}"></div>
<script src="{docs}/swagger-ui-bundle.js"></script>
<script src="{docs}/init.js"></script>
</body>
</html>
"#
    )
}

/// Text for an HTML attribute or element.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_page_escapes_what_it_is_given() {
        let page = page("a<b", "/docs", "/spec\".json");
        assert!(page.contains("a&lt;b: API docs"));
        assert!(page.contains(r#"data-url="/spec&quot;.json""#));
        assert!(page.contains(r#"src="/docs/init.js""#));
    }
}
