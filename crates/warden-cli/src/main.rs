//! `warden`: see the crate docs (`warden --help`).

use std::process::ExitCode;

use clap::Parser as _;
use warden_cli::{Cli, run};

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    // The settings are read twice (here for the log, in `run` for the command): cheap, and
    // `run` stays callable on its own.
    // A command's report is its output: the log keeps to warnings unless configured.
    let settings = warden_cli::settings(&cli).map(|mut s| {
        s.log.filter.get_or_insert_with(|| "warn".to_owned());
        s
    });
    let _log = match settings.map(|s| warden::logs::init(&s)) {
        Ok(Ok(guard)) => Some(guard),
        Ok(Err(e)) => {
            eprintln!("warden: {e}");
            return ExitCode::from(2);
        }
        // `run` says what is wrong with them.
        Err(_) => None,
    };
    let mut out = std::io::stdout();
    match run(cli, &mut out).await {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(1),
        Err(e) => {
            eprintln!("warden: {e:#}");
            ExitCode::from(2)
        }
    }
}
