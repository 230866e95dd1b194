//! Compact signed tokens: `realm:login:expiry:signature`, as FlaskSimpleAuth makes them, with
//! the full HMAC-SHA256 tag.
//!
//! The expiry is `YYYYMMDDHHMMSS` in UTC; the signature is the lowercase hex HMAC-SHA256 of
//! `realm:login:expiry`. Logins containing `:` cannot get one.
//!
//! The format has no issue time, yet revocation ("every token issued before the kick") needs
//! one. So the signing key is derived from the secret *and the token lifetime*
//! (`HMAC-SHA256(secret, "warden/compact/v1:" + lifetime in seconds)`): a token that verifies
//! was minted under today's lifetime, and was issued exactly one lifetime before its expiry.
//! Changing `token_lifetime` therefore ends the compact tokens minted under the old one, as
//! rotating the secret does; and a token whose expiry is further away than one lifetime (plus
//! a minute of clock skew between instances) was not minted here, and is refused.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;
use subtle::ConstantTimeEq;
use time::OffsetDateTime;
use time::macros::format_description;

use crate::clock::SharedClock;
use crate::encoding::{hex, unhex};
use crate::error::{Error, Result};

type HmacSha256 = Hmac<Sha256>;

/// How far ahead of this instance's clock another instance's may be.
const CLOCK_SKEW: u64 = 60;

/// Longest token accepted; anything longer is refused before any work.
const MAX_TOKEN_LEN: usize = 1024;
const EXPIRY_LEN: usize = 14;
const SIGNATURE_LEN: usize = 64;

/// Why a token was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum TokenError {
    /// Malformed, wrong realm, or bad signature.
    Invalid,
    /// Well signed but past its expiry.
    Expired,
}

impl TokenError {
    pub(crate) fn message(self) -> &'static str {
        match self {
            TokenError::Invalid => "invalid token",
            TokenError::Expired => "expired token",
        }
    }
}

/// Mints and verifies compact tokens.
pub(crate) struct CompactTokens {
    realm: Arc<str>,
    /// The signing key, then former keys that still verify.
    macs: Vec<HmacSha256>,
    pub(crate) lifetime: Duration,
    clock: SharedClock,
}

/// A valid compact token's contents.
pub(crate) struct Verified<'t> {
    pub(crate) login: &'t str,
    /// When it was minted, in unix seconds: one lifetime before its expiry.
    pub(crate) issued_at: u64,
}

impl CompactTokens {
    /// Tokens signed with `secret`; former `previous` secrets still verify.
    pub(crate) fn new(
        realm: Arc<str>,
        secret: &[u8],
        previous: &[&[u8]],
        lifetime: Duration,
        clock: SharedClock,
    ) -> Result<Self> {
        let context = format!("warden/compact/v1:{}", lifetime.as_secs());
        let macs = std::iter::once(secret)
            .chain(previous.iter().copied())
            .map(|secret| {
                let mut derive = HmacSha256::new_from_slice(secret)
                    .map_err(|e| Error::internal(format!("invalid token secret: {e}")))?;
                derive.update(context.as_bytes());
                HmacSha256::new_from_slice(&derive.finalize().into_bytes())
                    .map_err(|e| Error::internal(format!("invalid token key: {e}")))
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(Self {
            realm,
            macs,
            lifetime,
            clock,
        })
    }

    /// A token for `login`, valid for the configured lifetime, with its expiry.
    #[cfg(test)]
    pub(crate) fn mint(&self, login: &str) -> Result<(String, SystemTime)> {
        self.mint_lasting(login, self.lifetime)
    }

    /// A token for `login` that expires after `lifetime`, at most the configured one: the key
    /// is bound to that lifetime, and a verifier takes the token as issued one configured
    /// lifetime before its expiry, earlier than it was (so a kick in between ends it too:
    /// revocation errs towards refusing).
    pub(crate) fn mint_lasting(
        &self,
        login: &str,
        lifetime: Duration,
    ) -> Result<(String, SystemTime)> {
        if lifetime > self.lifetime || lifetime.is_zero() {
            return Err(Error::bad_request(format!(
                "a compact token lives 1 to {} seconds (auth.token_lifetime, to which its key is bound)",
                self.lifetime.as_secs()
            )));
        }
        if login.is_empty() || login.contains(':') || login.chars().any(char::is_control) {
            return Err(Error::bad_request(
                "this login cannot be carried in a token (it contains ':' or control characters)",
            ));
        }
        let expires = self.clock.now() + lifetime;
        let expiry = format_expiry(expires)?;
        let mut token = format!("{}:{login}:{expiry}", self.realm);
        let signature = self.sign(&token);
        token.push(':');
        token.push_str(&signature);
        Ok((token, expires))
    }

    /// The login and expiry of a valid token.
    pub(crate) fn verify<'t>(&self, token: &'t str) -> Result<Verified<'t>, TokenError> {
        if token.len() > MAX_TOKEN_LEN {
            return Err(TokenError::Invalid);
        }
        let (signed, signature) = token.rsplit_once(':').ok_or(TokenError::Invalid)?;
        let (rest, expiry) = signed.rsplit_once(':').ok_or(TokenError::Invalid)?;
        let (realm, login) = rest.split_once(':').ok_or(TokenError::Invalid)?;
        if realm != &*self.realm
            || login.is_empty()
            || login.contains(':')
            || expiry.len() != EXPIRY_LEN
            || !expiry.bytes().all(|b| b.is_ascii_digit())
            || signature.len() != SIGNATURE_LEN
        {
            return Err(TokenError::Invalid);
        }
        let mut expected = [0u8; 32];
        unhex(signature, &mut expected).ok_or(TokenError::Invalid)?;
        let signed_by_a_key = self
            .macs
            .iter()
            .fold(subtle::Choice::from(0), |found, mac| {
                found | tag(mac, signed).ct_eq(&expected)
            });
        if !bool::from(signed_by_a_key) {
            return Err(TokenError::Invalid);
        }
        let expires = expiry_secs(expiry).ok_or(TokenError::Invalid)?;
        let now = self
            .clock
            .now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        if expires <= now {
            return Err(TokenError::Expired);
        }
        let lifetime = self.lifetime.as_secs();
        if expires > now.saturating_add(lifetime).saturating_add(CLOCK_SKEW) {
            return Err(TokenError::Invalid);
        }
        Ok(Verified {
            login,
            issued_at: expires.saturating_sub(lifetime),
        })
    }

    fn sign(&self, data: &str) -> String {
        hex(&tag(&self.macs[0], data))
    }
}

/// The HMAC-SHA256 tag of `data`.
fn tag(key: &HmacSha256, data: &str) -> [u8; 32] {
    let mut mac = key.clone();
    mac.update(data.as_bytes());
    mac.finalize().into_bytes().into()
}

/// `YYYYMMDDHHMMSS` (UTC) as unix seconds, by arithmetic rather than a date parser: this runs
/// on every bearer request. `None` for anything that is not a real instant after 1970.
fn expiry_secs(expiry: &str) -> Option<u64> {
    let digits = expiry.as_bytes();
    if digits.len() != EXPIRY_LEN || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let number = |from: usize, to: usize| {
        digits[from..to]
            .iter()
            .fold(0u64, |n, d| n * 10 + u64::from(d - b'0'))
    };
    let (year, month, day) = (number(0, 4), number(4, 6), number(6, 8));
    let (hour, minute, second) = (number(8, 10), number(10, 12), number(12, 14));
    let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
    let month_days = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return None,
    };
    if year < 1970 || day == 0 || day > month_days || hour > 23 || minute > 59 || second > 59 {
        return None;
    }
    // Days since 1970-01-01 (Howard Hinnant's days_from_civil, for years from 1970).
    let (y, m) = if month <= 2 {
        (year - 1, month + 9)
    } else {
        (year, month - 3)
    };
    let era = y / 400;
    let year_of_era = y - era * 400;
    let day_of_year = (153 * m + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    let days = (era * 146_097 + day_of_era).checked_sub(719_468)?;
    Some(days * 86_400 + hour * 3_600 + minute * 60 + second)
}

fn format_expiry(at: SystemTime) -> Result<String> {
    OffsetDateTime::from(at)
        .format(format_description!(
            "[year][month][day][hour][minute][second]"
        ))
        .map_err(|e| Error::internal(format!("cannot format token expiry: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::ManualClock;

    fn tokens(clock: &ManualClock) -> CompactTokens {
        CompactTokens::new(
            "stuff".into(),
            b"0123456789abcdef0123456789abcdef",
            &[],
            Duration::from_secs(3600),
            Arc::new(clock.clone()),
        )
        .unwrap()
    }

    #[test]
    fn minted_tokens_verify_until_they_expire() {
        let clock = ManualClock::new(SystemTime::UNIX_EPOCH + Duration::from_secs(1_722_620_184));
        let tokens = tokens(&clock);
        let (token, _) = tokens.mint("moe").unwrap();
        assert!(token.starts_with("stuff:moe:20240802183624:"), "{token}");
        assert_eq!(token.rsplit(':').next().unwrap().len(), 64);
        let verified = tokens.verify(&token).ok().unwrap();
        assert_eq!((verified.login, verified.issued_at), ("moe", 1_722_620_184));
        clock.advance(Duration::from_secs(3599));
        assert!(tokens.verify(&token).is_ok());
        clock.advance(Duration::from_secs(1));
        assert_eq!(tokens.verify(&token).err(), Some(TokenError::Expired));
    }

    #[test]
    fn shorter_tokens_verify_and_count_as_issued_one_lifetime_before_expiry() {
        let clock = ManualClock::new(SystemTime::UNIX_EPOCH + Duration::from_secs(1_722_620_184));
        let tokens = tokens(&clock);
        let (token, _) = tokens
            .mint_lasting("moe", Duration::from_secs(300))
            .unwrap();
        let verified = tokens.verify(&token).ok().unwrap();
        // Taken as older than it is: a kick in the last hour revokes it too.
        assert_eq!(verified.issued_at, 1_722_620_184 + 300 - 3600);
        clock.advance(Duration::from_secs(300));
        assert_eq!(tokens.verify(&token).err(), Some(TokenError::Expired));
        assert!(
            tokens
                .mint_lasting("moe", Duration::from_secs(3601))
                .is_err()
        );
        assert!(tokens.mint_lasting("moe", Duration::ZERO).is_err());
    }

    #[test]
    fn expiry_arithmetic_agrees_with_the_calendar() {
        // Every day for 150 years from 1970, at a time of day that moves with it.
        for day in 0..150 * 366u64 {
            let secs = day * 86_400 + (day * 7_919) % 86_400;
            let at = SystemTime::UNIX_EPOCH + Duration::from_secs(secs);
            let text = format_expiry(at).unwrap();
            assert_eq!(expiry_secs(&text), Some(secs), "{text}");
        }
        for bad in [
            "20230229000000",
            "21000229000000",
            "20241301000000",
            "20240001000000",
            "20240100000000",
            "20240431000000",
            "20240101240000",
            "20240101006000",
            "20240101000060",
            "19691231235959",
            "2024010100000",
            "2024010100000x",
        ] {
            assert_eq!(expiry_secs(bad), None, "{bad}");
        }
        assert_eq!(expiry_secs("20240229000000"), Some(1_709_164_800));
        assert_eq!(expiry_secs("20000229235959"), Some(951_868_799));
    }

    #[test]
    fn tampered_and_malformed_tokens_are_invalid() {
        let clock = ManualClock::starting_now();
        let tokens = tokens(&clock);
        let (token, _) = tokens.mint("moe").unwrap();
        let later = token.replacen(":20", ":30", 1);
        let other = token.replacen(":moe:", ":calvin:", 1);
        let realm = token.replacen("stuff:", "other:", 1);
        let upper = token.to_uppercase().replacen("STUFF:MOE", "stuff:moe", 1);
        for bad in [
            "",
            ":::",
            "stuff:moe",
            "stuff:moe:20380119031407:",
            later.as_str(),
            other.as_str(),
            realm.as_str(),
            upper.as_str(),
            &token[..token.len() - 1],
        ] {
            assert_eq!(
                tokens.verify(bad).err(),
                Some(TokenError::Invalid),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn a_token_minted_under_another_lifetime_or_expiring_too_late_is_invalid() {
        let clock = ManualClock::starting_now();
        let week = CompactTokens::new(
            "stuff".into(),
            b"0123456789abcdef0123456789abcdef",
            &[],
            Duration::from_secs(7 * 86_400),
            Arc::new(clock.clone()),
        )
        .unwrap();
        let (token, _) = week.mint("moe").unwrap();
        assert!(week.verify(&token).is_ok());
        // The same secret, today's lifetime of an hour: the week-long token is not ours.
        let hour = tokens(&clock);
        assert_eq!(hour.verify(&token).err(), Some(TokenError::Invalid));
        // Signed with the hour's key but expiring in 9999: not minted by a server of this
        // lifetime either.
        let far = "stuff:moe:99991231235959";
        let forged = format!("{far}:{}", hour.sign(far));
        assert_eq!(hour.verify(&forged).err(), Some(TokenError::Invalid));
    }

    #[test]
    fn logins_with_colons_get_no_token() {
        let tokens = tokens(&ManualClock::starting_now());
        assert!(tokens.mint("a:b").is_err());
        assert!(tokens.mint("").is_err());
    }
}
