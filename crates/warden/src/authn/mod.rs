//! Authentication: finding a request's credentials for the schemes its route accepts and
//! verifying them.
//!
//! An unknown user and a wrong password get the same answer after at least the same work: the
//! unknown user is verified against a dummy hash, and a wrong password against an outdated
//! hash, which may be far cheaper (imported bcrypt with 2^4 rounds), pays the dummy too. A
//! verified password is remembered under a keyed tag (for an hour, or the cache TTL if
//! longer), so that repeated Basic requests do not pay the hash; the entry only counts while
//! the directory, cached for the cache TTL, still gives the same stored hash, so a changed
//! password or a removed user is noticed within the cache TTL. Concurrent requests with the
//! same credentials share one verification.

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use hmac::{Hmac, KeyInit};
use http::header::{AUTHORIZATION, WWW_AUTHENTICATE};
use http::request::Parts;
use http::{HeaderMap, HeaderValue};
use sha2::Sha256;
use tokio::sync::OnceCell;

use crate::cache::TtlCache;
use crate::clock::SharedClock;
use crate::encoding::random_bytes;
use crate::error::{Error, Result};
use crate::guards::{ClientIp, Throttle};
use crate::params::RequestParams;
use crate::scheme::{Scheme, Schemes};
use crate::settings::{AuthSettings, TokenCarrier};
use crate::tokens::CompactTokens;
use crate::tokens::Revocations;
use crate::tokens::jwt::Jwt;
use crate::users::CachedDirectory;
use crate::users::Passwords;
use api_keys::{ApiKey, ApiKeyStore, Sealer};

pub mod api_keys;
mod cookies;
mod issue;
mod keys;
mod passwords;
mod tokens;
mod user;
mod users;

pub(crate) use cookies::{credential_cookie, request_cookie};
#[doc(inline)]
pub use issue::{IssuedToken, Tokens};
pub(crate) use keys::canonical;
pub(crate) use tokens::KEY_FAMILY;
#[doc(inline)]
pub use user::CurrentUser;
pub(crate) use user::{LoggedUser, TokenFacts};
#[doc(inline)]
pub use users::Users;

/// A password that was verified against a stored hash, and the client IPs it was sent from
/// since (the most recent last, at most [`VERIFIED_CLIENTS`]).
#[derive(Clone)]
pub(crate) struct Verified {
    hash: Arc<str>,
    tag: [u8; 32],
    clients: Arc<[std::net::IpAddr]>,
}

/// How many client IPs a verified password remembers.
const VERIFIED_CLIENTS: usize = 8;

/// Password verifications under way, by keyed tag of login and password, stored hash and
/// client IP.
type Inflight = Mutex<HashMap<InflightKey, Arc<OnceCell<bool>>>>;
type InflightKey = ([u8; 32], Arc<str>, std::net::IpAddr);

/// The shortest time a verified password is remembered (a longer `cache_ttl` wins; zero
/// disables the cache).
const VERIFIED_TTL: Duration = Duration::from_secs(3600);

/// The request body as read for a signed request's hash.
#[derive(Clone)]
pub(crate) struct BodyBytes(pub(crate) bytes::Bytes);

/// The services authentication draws on.
pub(crate) struct Services {
    pub(crate) directory: CachedDirectory,
    pub(crate) passwords: Passwords,
    pub(crate) tokens: CompactTokens,
    pub(crate) jwt: Jwt,
    pub(crate) revocations: Revocations,
    pub(crate) api_keys: Option<Arc<dyn ApiKeyStore>>,
    /// Seals API keys' signing keys under the secret, unseals them under it or a former one.
    pub(crate) sealer: Sealer,
    /// Counts failed password and API key checks; none when login throttling is off.
    pub(crate) throttle: Option<Throttle>,
}

/// The application-wide authentication service.
pub(crate) struct Authenticator {
    pub(crate) realm: Arc<str>,
    pub(crate) settings: AuthSettings,
    pub(crate) services: Services,
    pub(crate) clock: SharedClock,
    verified: TtlCache<String, Verified>,
    /// Password verifications under way, shared by the requests that wait for the same one.
    inflight: Inflight,
    keys: TtlCache<String, Arc<ApiKey>>,
    touched: TtlCache<String, ()>,
    tag_key: Hmac<Sha256>,
}

/// Credentials found in a request, not yet verified.
enum Found<'a> {
    None,
    Password(Scheme, Cow<'a, str>, Cow<'a, str>),
    Token(&'a str),
    ApiKey(&'a str),
    Signed,
}

/// The header naming a signed request's key.
pub(crate) const SIGNATURE: &str = "x-warden-signature";

impl Authenticator {
    pub(crate) fn new(
        realm: Arc<str>,
        auth: &AuthSettings,
        services: Services,
        clock: SharedClock,
    ) -> Result<Self> {
        // A verified password only counts while the directory, whose cache lives `cache_ttl`,
        // still gives the hash it was checked against: it may be remembered for longer, so that
        // a busy Basic client pays the hash about once an hour rather than every few seconds.
        let verified_ttl = if auth.cache_ttl.is_zero() {
            auth.cache_ttl
        } else {
            auth.cache_ttl.max(VERIFIED_TTL)
        };
        let verified = TtlCache::new(auth.cache_capacity, verified_ttl, Arc::clone(&clock));
        let keys = TtlCache::new(auth.cache_capacity, auth.cache_ttl, Arc::clone(&clock));
        let touched = TtlCache::new(
            auth.cache_capacity,
            std::time::Duration::from_secs(60),
            Arc::clone(&clock),
        );
        let tag_key = Hmac::<Sha256>::new_from_slice(&random_bytes::<32>()?)
            .map_err(|e| Error::internal(format!("bad key: {e}")))?;
        Ok(Self {
            realm,
            settings: auth.clone(),
            services,
            clock,
            verified,
            inflight: Mutex::default(),
            keys,
            touched,
            tag_key,
        })
    }

    /// The challenge header value for a set of schemes, if any scheme has one.
    pub(crate) fn challenge(&self, schemes: Schemes) -> Option<HeaderValue> {
        let mut parts = Vec::new();
        if schemes.contains(Scheme::Basic) {
            parts.push(format!("Basic realm=\"{}\"", self.realm));
        }
        if schemes.contains(Scheme::Token) && self.settings.token_carrier == TokenCarrier::Bearer {
            parts.push(format!("Bearer realm=\"{}\"", self.realm));
        }
        if parts.is_empty() {
            return None;
        }
        HeaderValue::from_str(&parts.join(", ")).ok()
    }

    /// Authenticates a request with the accepted schemes: `Ok(None)` when it carries no
    /// credentials for them, a 401 (without challenge) when its credentials are refused.
    pub(crate) async fn authenticate(
        &self,
        parts: &Parts,
        params: Option<&RequestParams>,
        schemes: Schemes,
    ) -> Result<Option<CurrentUser>> {
        let client = ClientIp::of(&parts.extensions).ip();
        match self.find(&parts.headers, params, schemes)? {
            Found::None => Ok(None),
            Found::Token(token) => self.verify_token(token).await.map(Some),
            Found::ApiKey(key) => self.verify_api_key(key, client).await.map(Some),
            Found::Signed => self.verify_signed(parts).await.map(Some),
            Found::Password(scheme, login, password) => self
                .verify_password(&login, &password, client)
                .await
                .map(|record| Some(CurrentUser::with_record(record, scheme))),
        }
    }

    /// The login that the request's credentials claim, when they name one (Basic or
    /// login/password parameters), for the audit of a refused credential.
    pub(crate) fn claimed_login(
        &self,
        headers: &HeaderMap,
        params: Option<&RequestParams>,
        schemes: Schemes,
    ) -> Option<String> {
        match self.find(headers, params, schemes) {
            Ok(Found::Password(_, login, _)) => Some(login.into_owned()),
            _ => None,
        }
    }

    fn find<'a>(
        &self,
        headers: &'a HeaderMap,
        params: Option<&'a RequestParams>,
        schemes: Schemes,
    ) -> Result<Found<'a>> {
        if let Some(value) = headers.get(AUTHORIZATION) {
            let value = value
                .to_str()
                .map_err(|_| Error::unauthorized("malformed Authorization header"))?;
            let (kind, rest) = value.trim().split_once(' ').unwrap_or((value, ""));
            let rest = rest.trim();
            if kind.eq_ignore_ascii_case("basic") {
                if !schemes.contains(Scheme::Basic) {
                    return Err(Error::unauthorized(
                        "basic authentication is not accepted here",
                    ));
                }
                let (login, password) = decode_basic(rest)?;
                return Ok(Found::Password(
                    Scheme::Basic,
                    Cow::Owned(login),
                    Cow::Owned(password),
                ));
            }
            if kind.eq_ignore_ascii_case("bearer") {
                if !(schemes.contains(Scheme::Token)
                    && self.settings.token_carrier == TokenCarrier::Bearer)
                {
                    return Err(Error::unauthorized("bearer tokens are not accepted here"));
                }
                return Ok(Found::Token(rest));
            }
            return Err(Error::unauthorized("unsupported authorization scheme"));
        }
        if schemes.contains(Scheme::Token)
            && let Some(token) = self.carried_token(headers)?
        {
            return Ok(Found::Token(token));
        }
        if schemes.contains(Scheme::ApiKey)
            && let Some(header) = &self.settings.api_keys.header
            && let Some(key) = headers.get(header.as_str())
        {
            let key = key
                .to_str()
                .map_err(|_| Error::unauthorized("malformed API key header"))?;
            return Ok(Found::ApiKey(key.trim()));
        }
        if schemes.contains(Scheme::Signed) && headers.contains_key(SIGNATURE) {
            return Ok(Found::Signed);
        }
        if schemes.contains(Scheme::Param)
            && let Some(params) = params
            && let Some(login) =
                params.credential(&self.settings.user_param, self.settings.params_in_query)
        {
            let password = params
                .credential(&self.settings.pass_param, self.settings.params_in_query)
                .ok_or_else(|| {
                    Error::unauthorized(format!(
                        "parameter \"{}\" is missing",
                        self.settings.pass_param
                    ))
                })?;
            return Ok(Found::Password(
                Scheme::Param,
                Cow::Borrowed(login),
                Cow::Borrowed(password),
            ));
        }
        Ok(Found::None)
    }

    fn carried_token<'a>(&self, headers: &'a HeaderMap) -> Result<Option<&'a str>> {
        match &self.settings.token_carrier {
            TokenCarrier::Bearer => Ok(None),
            TokenCarrier::Header(name) => headers
                .get(name.as_str())
                .map(|v| {
                    v.to_str()
                        .map(str::trim)
                        .map_err(|_| Error::unauthorized("malformed token header"))
                })
                .transpose(),
            TokenCarrier::Cookie(name) => Ok(request_cookie(headers, name)),
        }
    }

    /// Forgets what is cached about a user (after a password change or a removal).
    pub(crate) fn forget(&self, login: &str) {
        self.services.directory.forget(login);
        self.verified.invalidate(login);
    }

    /// Forgets a cached API key (after its revocation).
    pub(crate) fn forget_key(&self, id: &str) {
        self.keys.invalidate(id);
    }

    pub(crate) async fn in_group(&self, user: &CurrentUser, group: &str) -> Result<bool> {
        if let Some(record) = user.record() {
            return Ok(record.in_group(group));
        }
        Ok(self
            .services
            .directory
            .lookup(user.login())
            .await?
            .is_some_and(|r| r.in_group(group)))
    }

    pub(crate) async fn has_permission(
        &self,
        user: &CurrentUser,
        permission: &str,
    ) -> Result<bool> {
        if let Some(record) = user.record() {
            return Ok(record.has_permission(permission));
        }
        Ok(self
            .services
            .directory
            .lookup(user.login())
            .await?
            .is_some_and(|r| r.has_permission(permission)))
    }
}

fn invalid_credentials() -> Error {
    Error::unauthorized("invalid credentials")
}

/// Longest Basic credentials accepted (base64 text); longer ones are refused unread.
const MAX_BASIC_LEN: usize = 4096;

/// `base64(login:password)`, split on the first colon: passwords may contain colons.
fn decode_basic(encoded: &str) -> Result<(String, String)> {
    let malformed = || Error::unauthorized("malformed basic credentials");
    if encoded.len() > MAX_BASIC_LEN {
        return Err(malformed());
    }
    let decoded = BASE64.decode(encoded).map_err(|_| malformed())?;
    let decoded = String::from_utf8(decoded).map_err(|_| malformed())?;
    let (login, password) = decoded.split_once(':').ok_or_else(malformed)?;
    Ok((login.to_owned(), password.to_owned()))
}

/// Adds the route's challenge to a 401.
pub(crate) fn challenge(error: Error, challenge: Option<&HeaderValue>) -> Error {
    match challenge {
        Some(value) if error.status() == http::StatusCode::UNAUTHORIZED => {
            error.with_header(WWW_AUTHENTICATE, value.clone())
        }
        _ => error,
    }
}
