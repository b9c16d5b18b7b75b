//! `providers`: the catalogue — hosts, ports and TLS modes, username rules, limits.

use inflowave_core::usecases as uc;

use super::output::Output;
use super::EXIT_PASSED;

/// The arguments of `providers`.
#[derive(clap::Args)]
pub struct Args {
    /// Print one JSON object instead of text.
    #[arg(long)]
    json: bool,
}

/// Runs `providers`; returns the exit code.
pub fn run(args: Args) -> u8 {
    Output::new(args.json).providers(uc::providers());
    EXIT_PASSED
}
