//! The pagination convention of list routes: `?limit=` and `?offset=`, a default and a clamped
//! maximum from the settings, and a `Link: <...>; rel="next"` header while there are more rows.

use axum::Json;
use axum::response::{IntoResponse, Response};
use http::HeaderValue;
use http::header::LINK;
use serde::Serialize;

use crate::error::{Error, Result};

/// The page a list route answers, as a handler extractor: `limit` rows (the settings'
/// `http.page_limit` when the client does not say, at most `http.max_page_limit` whatever it
/// asks) from `offset`.
///
/// Fetch [`fetch`](Page::fetch) rows — one more than the page — and answer
/// [`Page::rows`]: the client gets a plain JSON array, and a `Link: <...>; rel="next"` header
/// when there is a next page.
///
/// ```
/// use serde_json::json;
/// use warden::{Page, Paged, Result, Tx, sql::Row};
///
/// // -- name: get_stuff_page
/// // SELECT sid, stuff FROM Stuff ORDER BY sid LIMIT :limit OFFSET :offset;
/// async fn list(tx: Tx, page: Page) -> Result<Paged<Row>> {
///     let rows = tx
///         .rows("get_stuff_page", &json!({ "limit": page.fetch(), "offset": page.offset }))
///         .await?;
///     Ok(page.rows(rows))
/// }
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Page {
    /// Rows on the page.
    pub limit: u64,
    /// Rows skipped before it.
    pub offset: u64,
    /// The request's path and query, for the next page's link.
    target: String,
}

impl Page {
    /// Reads `limit` and `offset` from a query string.
    pub(crate) fn from_query(
        path: &str,
        query: Option<&str>,
        default: u64,
        max: u64,
    ) -> Result<Self> {
        let (mut limit, mut offset) = (default, 0);
        for (name, value) in form_urlencoded::parse(query.unwrap_or("").as_bytes()) {
            let number = || {
                value
                    .parse::<u64>()
                    .ok()
                    .filter(|n| i64::try_from(*n).is_ok())
                    .ok_or_else(|| {
                        Error::bad_request(format!(
                            "parameter \"{name}\" must be a non-negative integer"
                        ))
                    })
            };
            match name.as_ref() {
                "limit" => limit = number()?,
                "offset" => offset = number()?,
                _ => {}
            }
        }
        let target = match query {
            Some(query) => format!("{path}?{query}"),
            None => path.to_owned(),
        };
        Ok(Self {
            limit: limit.clamp(1, max),
            offset,
            target,
        })
    }

    /// How many rows to fetch: one more than the page, to know whether there is a next one.
    pub fn fetch(&self) -> u64 {
        self.limit + 1
    }

    /// The answer: the first `limit` of `rows` (fetched with [`fetch`](Page::fetch)), with
    /// a link to the next page when there was one more.
    pub fn rows<T>(&self, mut rows: Vec<T>) -> Paged<T> {
        let more = rows.len() as u64 > self.limit;
        rows.truncate(usize::try_from(self.limit).unwrap_or(usize::MAX));
        Paged {
            rows,
            next: more.then(|| self.next_link()),
        }
    }

    /// The request's target with `offset` moved one page on (other parameters kept).
    fn next_link(&self) -> String {
        let (path, query) = self.target.split_once('?').unwrap_or((&self.target, ""));
        let mut next = form_urlencoded::Serializer::new(String::new());
        for (name, value) in form_urlencoded::parse(query.as_bytes()) {
            if name != "limit" && name != "offset" {
                next.append_pair(&name, &value);
            }
        }
        next.append_pair("limit", &self.limit.to_string());
        next.append_pair("offset", &(self.offset + self.limit).to_string());
        format!("<{path}?{}>; rel=\"next\"", next.finish())
    }
}

/// A page of a list: a JSON array, with `Link: <...>; rel="next"` when there are more rows.
#[derive(Clone, Debug)]
pub struct Paged<T> {
    rows: Vec<T>,
    next: Option<String>,
}

impl<T> Paged<T> {
    /// The rows of the page.
    pub fn rows(&self) -> &[T] {
        &self.rows
    }

    /// The next page's link header value, if there are more rows.
    pub fn next(&self) -> Option<&str> {
        self.next.as_deref()
    }
}

impl<T: Serialize> IntoResponse for Paged<T> {
    fn into_response(self) -> Response {
        let mut response = Json(self.rows).into_response();
        if let Some(link) = self.next.and_then(|l| HeaderValue::from_str(&l).ok()) {
            response.headers_mut().insert(LINK, link);
        }
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_are_defaulted_clamped_and_checked() {
        let page = |q| Page::from_query("/stuff", q, 100, 1000);
        assert_eq!(page(None).unwrap().limit, 100);
        assert_eq!(page(Some("limit=1000000")).unwrap().limit, 1000);
        assert_eq!(page(Some("limit=0")).unwrap().limit, 1);
        assert_eq!(page(Some("offset=20&limit=5")).unwrap().offset, 20);
        assert!(page(Some("limit=-1")).is_err());
        assert!(page(Some("offset=99999999999999999999")).is_err());
    }

    #[test]
    fn the_next_link_keeps_other_parameters() {
        let page = Page::from_query("/stuff", Some("filter=C%25&limit=2"), 100, 1000).unwrap();
        let paged = page.rows(vec![1, 2, 3]);
        assert_eq!(paged.rows(), [1, 2]);
        assert_eq!(
            paged.next(),
            Some("</stuff?filter=C%25&limit=2&offset=2>; rel=\"next\"")
        );
        assert_eq!(page.rows(vec![1, 2]).next(), None);
    }
}
