//! The generated code: one async function per query (two for queries that return rows or
//! values: `NAME` and `NAME_as`), and the files read, for cargo to track.

use proc_macro2::{Ident, Span, TokenStream};
use quote::{format_ident, quote};
use warden_query_file::QueryKind;

use crate::load::{Definition, Loaded};

/// The functions for `loaded`; errors are spanned on `span`, the macro's path argument.
pub(crate) fn expand(loaded: &Loaded, span: Span) -> TokenStream {
    let files = &loaded.files;
    let functions = loaded.queries.iter().map(|query| match functions(query) {
        Ok(tokens) => tokens,
        Err(message) => syn::Error::new(span, message).to_compile_error(),
    });
    quote! {
        // Rebuilt when a queries file changes (a variant file created later is not seen until
        // the next change to a file read here).
        #(const _: &str = ::core::include_str!(#files);)*
        #(#functions)*
    }
}

/// How a kind is run through `warden::Tx`: its method, its typed method, what they answer.
struct Methods {
    plain: TokenStream,
    typed: Option<TokenStream>,
    answer: TokenStream,
    typed_answer: TokenStream,
    /// `T`'s bounds for the typed method, as `Tx` states them.
    bounds: TokenStream,
    says: &'static str,
}

fn methods(kind: QueryKind) -> Option<Methods> {
    let row = quote!(::warden::sql::Row);
    let de = quote!(::warden::__private::serde::de::DeserializeOwned);
    Some(match kind {
        QueryKind::Rows => Methods {
            plain: quote!(rows),
            typed: Some(quote!(rows_as)),
            answer: quote!(::std::vec::Vec<#row>),
            typed_answer: quote!(::std::vec::Vec<T>),
            bounds: quote!(#de + ::core::marker::Send),
            says: "all rows",
        },
        QueryKind::One => Methods {
            plain: quote!(one),
            typed: Some(quote!(one_as)),
            answer: quote!(::core::option::Option<#row>),
            typed_answer: quote!(::core::option::Option<T>),
            bounds: quote!(#de + ::core::marker::Send),
            says: "one row or none",
        },
        QueryKind::Value | QueryKind::Returning => Methods {
            plain: quote!(scalar),
            typed: Some(quote!(scalar_as)),
            answer: quote!(::warden::Value),
            typed_answer: quote!(T),
            bounds: de,
            says: if kind == QueryKind::Value {
                "one value, null without a row"
            } else {
                "the value it returns (the new row's id on MySQL without `RETURNING`)"
            },
        },
        QueryKind::Execute => Methods {
            plain: quote!(execute),
            typed: None,
            answer: quote!(u64),
            typed_answer: TokenStream::new(),
            bounds: TokenStream::new(),
            says: "the number of affected rows",
        },
        QueryKind::ExecuteMany | QueryKind::Script => return None,
    })
}

fn functions(query: &Definition) -> Result<TokenStream, String> {
    let name = &query.name;
    let function = ident(name, "query")?;
    let args: Vec<Ident> = query
        .args
        .iter()
        .map(|a| ident(a, "parameter"))
        .collect::<Result<_, _>>()?;
    // The transaction's argument, named so as not to clash with a parameter.
    let tx = if query.args.iter().any(|a| a == "tx") {
        format_ident!("__tx")
    } else {
        format_ident!("tx")
    };
    let serde = quote!(::warden::__private::serde);
    let attrs = quote! {
        #[allow(dead_code, unreachable_pub, clippy::too_many_arguments)]
    };
    let doc = doc(query);
    if query.kind == QueryKind::ExecuteMany {
        let doc =
            format!("{doc}\n\nRuns once per parameter set; answers the total of changed rows.");
        return Ok(quote! {
            #[doc = #doc]
            #attrs
            pub async fn #function<I>(#tx: &::warden::Tx, sets: I) -> ::warden::Result<u64>
            where
                I: ::core::iter::IntoIterator,
                I::Item: #serde::Serialize,
            {
                #tx.execute_many(#name, sets).await
            }
        });
    }
    let Some(methods) = methods(query.kind) else {
        return Ok(TokenStream::new());
    };
    let generics: Vec<Ident> = (0..args.len()).map(|i| format_ident!("__P{i}")).collect();
    // The parameters serialise straight from the arguments, through a struct that borrows them.
    let params = quote! {
        #[derive(#serde::Serialize)]
        #[serde(crate = "::warden::__private::serde")]
        struct __Params<#(#generics),*> { #(#args: #generics),* }
        let __params = __Params { #(#args: &#args),* };
    };
    let arguments = quote!(#tx: &::warden::Tx, #(#args: impl #serde::Serialize),*);
    let Methods {
        plain,
        typed,
        answer,
        typed_answer,
        bounds,
        says,
    } = methods;
    let plain_doc = format!("{doc}\n\nAnswers {says}.");
    let mut tokens = quote! {
        #[doc = #plain_doc]
        #attrs
        pub async fn #function(#arguments) -> ::warden::Result<#answer> {
            #params
            #tx.#plain(#name, &__params).await
        }
    };
    if let Some(typed) = typed {
        let typed_function = format_ident!("{}_as", name);
        let typed_doc = format!(
            "[`{name}`], its answer read as `T` (any `Deserialize` type).\n\n{doc}\n\nAnswers {says}."
        );
        tokens.extend(quote! {
            #[doc = #typed_doc]
            #attrs
            pub async fn #typed_function<T: #bounds>(#arguments) -> ::warden::Result<#typed_answer> {
                #params
                #tx.#typed::<T, _>(#name, &__params).await
            }
        });
    }
    Ok(tokens)
}

/// The query's documentation, where it is defined, and its SQL for each backend.
fn doc(query: &Definition) -> String {
    let mut doc = query.doc.clone();
    if !doc.is_empty() {
        doc.push_str("\n\n");
    }
    let text = &query.text;
    let suffix = match query.kind.suffix() {
        "" => "no suffix".to_owned(),
        s => format!("suffix `{s}`"),
    };
    doc.push_str(&format!(
        "Query `{}` ({suffix}), `{}:{}`",
        query.name, text.file, text.line
    ));
    if query.variant_only {
        let backends: Vec<&str> = std::iter::once(text)
            .chain(&query.variants)
            .filter_map(|t| t.backend)
            .collect();
        doc.push_str(&format!(
            ", defined for {} only (elsewhere it fails as an unknown query)",
            backends.join(", ")
        ));
    }
    doc.push_str(&format!(":\n\n```sql\n{}\n```", text.sql));
    for variant in &query.variants {
        doc.push_str(&format!(
            "\n\nOn {}, `{}:{}`:\n\n```sql\n{}\n```",
            variant.backend.unwrap_or_default(),
            variant.file,
            variant.line,
            variant.sql
        ));
    }
    doc
}

/// `name` as an identifier, raw if it is a keyword.
fn ident(name: &str, what: &str) -> Result<Ident, String> {
    if matches!(name, "self" | "Self" | "super" | "crate" | "_") {
        return Err(format!(
            "{what} {name:?} cannot be a Rust name: rename it in the queries file"
        ));
    }
    if KEYWORDS.contains(&name) {
        return Ok(Ident::new_raw(name, Span::call_site()));
    }
    Ok(Ident::new(name, Span::call_site()))
}

/// Rust's keywords, strict and reserved (2024 edition), that a raw identifier may take.
const KEYWORDS: &[&str] = &[
    "as", "async", "await", "break", "const", "continue", "dyn", "else", "enum", "extern", "false",
    "fn", "for", "gen", "if", "impl", "in", "let", "loop", "match", "mod", "move", "mut", "pub",
    "ref", "return", "static", "struct", "trait", "true", "type", "unsafe", "use", "where",
    "while", "abstract", "become", "box", "do", "final", "macro", "override", "priv", "try",
    "typeof", "unsized", "virtual", "yield",
];
