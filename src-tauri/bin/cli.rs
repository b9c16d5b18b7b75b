//! `inflowave-setup-cli`: the headless command line. A shim into [`inflowave_setup::cli::main`].

fn main() -> std::process::ExitCode {
    inflowave_setup::cli::main()
}
