use clap::Parser;
use helpdesk::cli::{self, Cli};
use helpdesk::config::Settings;

#[actix_web::main]
async fn main() -> anyhow::Result<()> {
    env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("info")).init();
    let cli = Cli::parse();
    let settings = Settings::load()?;
    cli::run(cli, settings).await
}
