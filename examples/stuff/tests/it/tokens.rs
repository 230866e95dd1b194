use serde_json::json;

use crate::common::{CLIENT, expiry_in, forge, unique};

#[tokio::test]
async fn a_token_is_the_seed_format_and_authenticates() {
    let token = CLIENT.token("susie").await;
    let parts: Vec<&str> = token.split(':').collect();
    assert_eq!(parts[..2], ["stuff", "susie"]);
    assert_eq!(parts[2].len(), 14);
    assert_eq!(parts[3].len(), 64);
    let me = CLIENT.get("/whoami").bearer(token).expect(200).await;
    assert_eq!(me.json::<String>(), "susie");
}

#[tokio::test]
async fn a_well_signed_token_of_the_right_realm_works() {
    let token = forge("stuff", "hobbes", &expiry_in(600));
    assert_eq!(
        CLIENT
            .get("/whoami")
            .bearer(token)
            .expect(200)
            .await
            .json::<String>(),
        "hobbes"
    );
}

#[tokio::test]
async fn an_expired_token_is_refused() {
    let token = forge("stuff", "hobbes", &expiry_in(-1));
    let reply = CLIENT.get("/whoami").bearer(token).expect(401).await;
    assert_eq!(reply.json_value(), json!({"error": "expired token"}));
}

#[tokio::test]
async fn a_token_for_another_realm_is_refused() {
    let token = forge("other", "hobbes", &expiry_in(600));
    let reply = CLIENT.get("/whoami").bearer(token).expect(401).await;
    assert_eq!(reply.json_value(), json!({"error": "invalid token"}));
}

#[tokio::test]
async fn tampered_tokens_are_refused() {
    let token = CLIENT.token("hobbes").await;
    let (head, signature) = token.rsplit_once(':').unwrap();
    let flipped = format!(
        "{head}:{}{}",
        if signature.starts_with('a') { 'b' } else { 'a' },
        &signature[1..]
    );
    for bad in [
        flipped,
        token.replacen(":hobbes:", ":calvin:", 1),
        token.replacen(":20", ":30", 1),
        token[..token.len() - 1].to_owned(),
        format!("{token}0"),
        "stuff:moe:30240802183624:904d36f6e58ab976".to_owned(),
    ] {
        CLIENT.get("/whoami").bearer(bad).expect(401).await;
    }
}

#[tokio::test]
async fn a_well_signed_token_of_a_user_who_does_not_exist_is_refused() {
    let token = forge("stuff", &unique("ghost"), &expiry_in(600));
    let refused = CLIENT.get("/whoami").bearer(token).expect(401).await;
    assert_eq!(refused.json_value(), json!({"error": "invalid token"}));
}

#[tokio::test]
async fn a_token_expiring_further_away_than_a_lifetime_was_not_minted_here() {
    let token = forge("stuff", "hobbes", "99991231235959");
    let refused = CLIENT.get("/whoami").bearer(token).expect(401).await;
    assert_eq!(refused.json_value(), json!({"error": "invalid token"}));
    // Within the lifetime (and a minute of clock skew), a token is good.
    let token = forge("stuff", "hobbes", &expiry_in(3600 + 30));
    CLIENT.get("/whoami").bearer(token).expect(200).await;
}
