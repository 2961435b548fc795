//! `server`: parses the command line and hands over to the library.
use clap::Parser as _;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    server::telemetry::init_logs();
    let cli = server::cli::Cli::parse();
    match server::cli::run(cli).await {
        Ok(code) => code,
        Err(error) => {
            tracing::error!(error = ?error, "fatal");
            eprintln!("error: {error:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
