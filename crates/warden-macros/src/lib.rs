//! Procedural macros for warden: [`queries!`] reads a queries file at compile time and
//! generates one typed function per query, so that a misspelt query name or a forgotten
//! parameter is a compile error rather than a 500 at the first request.
//!
//! Use it through `warden::queries!`, whose documentation shows the generated API; this crate
//! only exists because procedural macros need a crate of their own.

mod expand;
mod load;

use proc_macro::TokenStream;
use syn::parse::{Parse, ParseStream};
use syn::punctuated::Punctuated;
use syn::{Ident, LitStr, Token, parenthesized};

/// Generates one async function per query of a queries file; see `warden::queries!`.
#[proc_macro]
pub fn queries(input: TokenStream) -> TokenStream {
    let args = syn::parse_macro_input!(input as Args);
    let dir = std::env::var("CARGO_MANIFEST_DIR").unwrap_or_default();
    match load::load(&dir, &args.path.value(), &args.fixed) {
        Ok(loaded) => expand::expand(&loaded, args.path.span()).into(),
        Err(message) => syn::Error::new(args.path.span(), message)
            .to_compile_error()
            .into(),
    }
}

/// `"path"` or `"path", fixed(name, ...)`.
struct Args {
    path: LitStr,
    /// Parameters the application binds itself (`tenant`): not function arguments.
    fixed: Vec<String>,
}

impl Parse for Args {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        let path: LitStr = input.parse()?;
        let mut fixed = Vec::new();
        if input.parse::<Option<Token![,]>>()?.is_some() && !input.is_empty() {
            let keyword: Ident = input.parse()?;
            if keyword != "fixed" {
                return Err(syn::Error::new(
                    keyword.span(),
                    "expected `fixed(param, ...)`: the parameters the application binds itself",
                ));
            }
            let content;
            parenthesized!(content in input);
            let names = Punctuated::<Ident, Token![,]>::parse_terminated(&content)?;
            fixed = names.iter().map(ToString::to_string).collect();
            input.parse::<Option<Token![,]>>()?;
        }
        Ok(Args { path, fixed })
    }
}
