//! Settings of the HTTP edge: CORS, security headers, the pagination of list routes,
//! compression, and where the built-in health checks and API docs answer.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::duration;

/// What every answer carries, who may call from a browser on another origin, and how long
/// lists are.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(default)]
pub struct HttpSettings {
    /// Cross-origin requests from browsers. Off (no CORS headers, preflights refused) until
    /// origins are listed.
    pub cors: CorsSettings,
    /// `Strict-Transport-Security: max-age=...; includeSubDomains` on every answer, when TLS
    /// terminates in front of the server (a proxy, a load balancer). Zero (the default): no
    /// header, since warden itself serves plain HTTP.
    #[serde(with = "duration")]
    pub hsts: Duration,
    /// `Content-Security-Policy` of answers that do not set their own. Default
    /// `default-src 'none'; frame-ancestors 'none'`: JSON needs nothing, and nobody frames it.
    pub content_security_policy: String,
    /// `Referrer-Policy`. Default `no-referrer`.
    pub referrer_policy: String,
    /// Rows a list route answers when the client does not say (`?limit=`). Default 100.
    pub page_limit: u64,
    /// The most rows a list route answers, whatever the client asks. Default 1,000.
    pub max_page_limit: u64,
    /// Where `AppBuilder::health` answers that the process lives. Default `/health`.
    pub health_path: String,
    /// Where it answers that the database and the store do too. Default `/ready`.
    pub ready_path: String,
    /// Compresses answers with gzip or brotli when the client accepts either (off by
    /// default). Never compressed: bodies under `compression_min_bytes`, error answers,
    /// images, event streams, and answers that carry a secret, told by `Cache-Control:
    /// no-store` or `Set-Cookie` (BREACH: a secret compressed beside text an attacker chooses
    /// leaks through the length).
    pub compression: bool,
    /// The smallest body worth compressing, in bytes. Default 1,024.
    pub compression_min_bytes: u64,
    /// Whether `AppBuilder::openapi` serves the OpenAPI document. Default true.
    pub openapi: bool,
    /// Where it serves it. Default `/openapi.json`.
    pub openapi_path: String,
    /// Whether it serves the docs page (Swagger UI, from the binary). Default: off in
    /// production unless set to true, on otherwise.
    pub docs: Option<bool>,
    /// Where the docs page is, and its assets below it. Default `/docs`.
    pub docs_path: String,
    /// The API's version in the document's `info`. Default `0.0.0`.
    pub api_version: String,
}

impl HttpSettings {
    /// Whether the docs page is served in `mode`: as `docs` says, or everywhere but in
    /// production.
    pub fn docs_enabled(&self, mode: super::RunMode) -> bool {
        self.docs.unwrap_or(mode != super::RunMode::Production)
    }
}

impl Default for HttpSettings {
    fn default() -> Self {
        Self {
            cors: CorsSettings::default(),
            hsts: Duration::ZERO,
            content_security_policy: "default-src 'none'; frame-ancestors 'none'".to_owned(),
            referrer_policy: "no-referrer".to_owned(),
            page_limit: 100,
            max_page_limit: 1_000,
            health_path: "/health".to_owned(),
            ready_path: "/ready".to_owned(),
            compression: false,
            compression_min_bytes: 1024,
            openapi: true,
            openapi_path: "/openapi.json".to_owned(),
            docs: None,
            docs_path: "/docs".to_owned(),
            api_version: "0.0.0".to_owned(),
        }
    }
}

/// Cross-origin resource sharing, answered by tower-http's CORS layer before routing and
/// authentication (a preflight carries no credentials).
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(default)]
pub struct CorsSettings {
    /// Origins allowed to call, exactly as browsers send them (`https://app.example.com`), or
    /// `*` for any (refused with credentials). Default: none, CORS off.
    pub allowed_origins: Vec<String>,
    /// Methods a preflight allows. Default GET, POST, PUT, PATCH, DELETE.
    pub allowed_methods: Vec<String>,
    /// Request headers a preflight allows. Default `authorization`, `content-type`,
    /// `x-requested-with`.
    pub allowed_headers: Vec<String>,
    /// Response headers scripts may read. Default `link`, `x-request-id`.
    pub expose_headers: Vec<String>,
    /// Whether browsers send cookies and credentials along (never with `*`). Default false.
    pub allow_credentials: bool,
    /// How long browsers may cache a preflight's answer. Default ten minutes.
    #[serde(with = "duration")]
    pub max_age: Duration,
}

impl Default for CorsSettings {
    fn default() -> Self {
        let words = |list: &[&str]| list.iter().map(|s| (*s).to_owned()).collect();
        Self {
            allowed_origins: Vec::new(),
            allowed_methods: words(&["GET", "POST", "PUT", "PATCH", "DELETE"]),
            allowed_headers: words(&["authorization", "content-type", "x-requested-with"]),
            expose_headers: words(&["link", "x-request-id"]),
            allow_credentials: false,
            max_age: Duration::from_secs(600),
        }
    }
}
