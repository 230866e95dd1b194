//! `saas`: serves the multi-tenant back-end on the settings' address (`WARDEN_LISTEN`, default
//! 127.0.0.1:5000) and database (`WARDEN_DATABASE_URL`, default sqlite://saas.db).

use warden::{BuildError, Server, Settings};

#[tokio::main]
async fn main() -> Result<(), BuildError> {
    let settings = Settings::load_with(Settings {
        name: "saas".to_owned(),
        database_url: Some("sqlite://saas.db".to_owned()),
        ..Settings::default()
    })?;
    let _log = warden::logs::init(&settings).map_err(|e| BuildError::from(e.to_string()))?;
    let url = settings.database_url.clone().unwrap_or_default();
    let db = saas::connect(&url, saas::queries()?, &settings).await?;
    let app = saas::app(settings, db)?;
    let server = Server::bind(&app.settings().listen, &app.settings().server).await?;
    #[allow(clippy::print_stdout)] // the line scripts wait for
    {
        println!("listening on http://{}", server.local_addr()?);
    }
    server.serve(app.router()).await?;
    Ok(())
}
