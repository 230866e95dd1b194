//! The JSON answer that hands a client an access token.

use std::time::Duration;

use axum::Json;
use axum::response::{IntoResponse, Response};
use http::HeaderValue;
use http::header::CACHE_CONTROL;
use serde::{Deserialize, Serialize};

/// The JSON answer carrying an access token (`Cache-Control: no-store`).
#[derive(Clone, Debug, Serialize, Deserialize, schemars::JsonSchema)]
pub struct AccessToken {
    /// The token.
    pub access_token: String,
    /// Always `Bearer`.
    pub token_type: String,
    /// Seconds until it expires.
    pub expires_in: u64,
}

impl AccessToken {
    pub(crate) fn new(token: String, lifetime: Duration) -> Self {
        Self {
            access_token: token,
            token_type: "Bearer".to_owned(),
            expires_in: lifetime.as_secs(),
        }
    }
}

impl IntoResponse for AccessToken {
    fn into_response(self) -> Response {
        let mut response = Json(self).into_response();
        response
            .headers_mut()
            .insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
        response
    }
}
