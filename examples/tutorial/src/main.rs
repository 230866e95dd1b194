//! `tutorial STEP`: serves the tutorial's back-end as it is after step 1 to 9, on the settings'
//! address (`WARDEN_LISTEN`, default 127.0.0.1:5000) and database (`WARDEN_DATABASE_URL`,
//! default sqlite://tutorial-stepN.db).

use tutorial::{step1, step2, step3, step4, step5, step6, step7, step9};
use warden::{App, BuildError, Server};

#[tokio::main]
async fn main() -> Result<(), BuildError> {
    let step: u32 = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .filter(|s| (1..=9).contains(s) && *s != 8)
        .ok_or_else(|| {
            BuildError::from("usage: tutorial STEP (1 to 7, or 9; step 8 is the tests)")
        })?;
    let settings = tutorial::settings(step)?;
    let _log = warden::logs::init(&settings).map_err(|e| BuildError::from(e.to_string()))?;
    let url = settings.database_url.clone().unwrap_or_default();
    let app: App = match step {
        1 => step1::app(settings)?,
        2 => step2::app(settings, step2::connect(&url).await?)?,
        3 => step3::app(settings, step2::connect(&url).await?)?,
        4 => step4::app(settings, step2::connect(&url).await?)?,
        5 => {
            let db = step5::connect(&url, &settings).await?;
            step5::app(settings, db)?
        }
        6 | 7 | 9 => {
            let db = step6::connect(&url, &settings).await?;
            match step {
                6 => step6::app(settings, db)?,
                7 => step7::app(settings, db)?,
                _ => step9::app(settings, db)?,
            }
        }
        _ => unreachable!("checked above"),
    };
    serve(app).await
}

/// Serves `app` on its settings' address (`WARDEN_LISTEN`) until SIGTERM or Ctrl-C, then
/// answers the requests already accepted and stops.
async fn serve(app: App) -> Result<(), BuildError> {
    let server = Server::bind(&app.settings().listen, &app.settings().server).await?;
    #[allow(clippy::print_stdout)] // the line scripts wait for
    {
        println!("listening on http://{}", server.local_addr()?);
    }
    server.serve(app.router()).await?;
    Ok(())
}
