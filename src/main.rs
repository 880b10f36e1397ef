use std::process::ExitCode;

fn main() -> ExitCode {
    bistand::cli::run()
}
