//! Step 7, parameters and models: typed parameters (a sid that is no integer is a 400 naming
//! it), validation rules on the model (garde), and lists by pages.

use serde::Deserialize;
use warden::sql::{Database, Row};
use warden::{
    App, Auth, BuildError, CurrentUser, Json, Open, Page, Paged, Params, Result, Routes, Settings,
    StatusCode, Tx, Valid, Value, get, group, json, object, post,
};

use crate::q;
use crate::step1::hello;
use crate::step2::now;
use crate::step3::Filter;
use crate::step4::{delete_stuff, get_stuff, rename_stuff};
use crate::step5::whoami;
use crate::step6::{add_user, builder};

/// Step 6, with validated stuff and paged lists.
///
/// # Errors
/// A build problem.
pub fn app(settings: Settings, db: Database) -> Result<App, BuildError> {
    builder(settings, db)?.routes(routes()).build()
}

/// The routes of steps 7 and 9.
pub fn routes() -> Routes {
    Routes::new()
        .route("/hello", get(Open, hello))
        .route("/now", get(Open, now))
        .route("/whoami", get(Auth, whoami))
        .route("/users", post(group("ADMIN"), add_user))
        .route("/stuff", get(Open, stuff_page).post(Auth, add_valid_stuff))
        .route(
            "/stuff/{sid}",
            get(Open, get_stuff)
                .patch(object("stuff", "sid"), rename_stuff)
                .delete(group("ADMIN"), delete_stuff),
        )
}

/// `GET /stuff?filter=&limit=&offset=`: a page of stuff, with a `Link` to the next one.
pub async fn stuff_page(tx: Tx, page: Page, Params(f): Params<Filter>) -> Result<Paged<Row>> {
    let rows = q::stuff_page(&tx, f.filter, page.fetch(), page.offset).await?;
    Ok(page.rows(rows))
}

/// A new stuff, validated before the handler runs.
#[derive(Deserialize, garde::Validate)]
pub struct ValidStuff {
    /// Between 1 and 100 characters.
    #[garde(length(chars, min = 1, max = 100))]
    pub stuff: String,
}

/// `POST /stuff`: a name the rules refuse is a 400 that names the field.
pub async fn add_valid_stuff(
    tx: Tx,
    user: CurrentUser,
    Valid(p): Valid<ValidStuff>,
) -> Result<(StatusCode, Json<Value>)> {
    let sid = q::add_owned_stuff(&tx, p.stuff, user.login()).await?;
    Ok((StatusCode::CREATED, Json(json!({ "sid": sid }))))
}
