//! `livegate`: the command line. A thin binary over the engine and media crates; raw flags are
//! resolved into validated arguments before anything runs, and errors print once with their
//! whole chain.

use std::process::ExitCode;

use clap::{Parser, Subcommand};
use livegate::{analyze, bench, eval, face_match, loadtest, serve};

/// Face liveness verification, offline, on a CPU.
#[derive(Parser, Debug)]
#[command(name = "livegate", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// The verification API (SQLite and images under LIVEGATE_DATA_DIR by default).
    Serve(serve::ServeArgs),
    /// Bounded load test of the API over loopback: sessions/s and p50/p99 latency.
    Loadtest(loadtest::LoadArgs),
    /// Per-frame liveness signals of an image, a video file or a directory of frames.
    Analyze(analyze::AnalyzeArgs),
    /// Per-stage latency of the pipeline on this machine.
    Bench(bench::BenchArgs),
    /// Face match between a reference photo and another photo (calibrated threshold).
    Match(face_match::MatchArgs),
    /// ISO/IEC 30107-3 evaluation over a labelled set of real and synthesised presentations.
    Eval(eval::EvalArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Serve(args) => serve::run(args),
        Command::Loadtest(args) => loadtest::run(args),
        Command::Analyze(args) => analyze::run(args),
        Command::Bench(args) => bench::run(args),
        Command::Eval(args) => eval::run(args),
        Command::Match(args) => face_match::run(args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
