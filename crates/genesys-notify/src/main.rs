//! `genesys-notify`: Genesys Cloud notifications on the command line.
//!
//! ```text
//! genesys-notify demo                                  # no account needed
//! genesys-notify listen --region eu-west-1 -t 'v2.users.ID?presence&routingStatus'
//! genesys-notify channels create
//! genesys-notify sim --generate
//! genesys-notify relay --region eu-west-1 -t 'v2.users.ID.presence' --nats-url nats://127.0.0.1:4222
//! ```
//!
//! | Module | Role |
//! |---|---|
//! | `cli` | the command line (clap) |
//! | `listen`, `demo`, `sim`, `channels`, `relay`, `consume` | one module per subcommand |
//! | `nats` | NATS and stream options of `relay` and `consume` |
//! | `pump` | the stream loop shared by `listen` and `demo` |
//! | `output` | stdout: JSON lines, written in batches (inline into `/dev/null` or a file, by a thread of their own otherwise) |
//! | `logging` | stderr: `--log-format`, `-v`, `-q` |
//! | `api`, `topics` | credentials and topics from flags, environment and files |
//! | `signal` | SIGINT/SIGTERM |
//! | `exit` | exit codes and the mapping from failures |

mod api;
mod channels;
mod cli;
mod consume;
mod demo;
mod exit;
mod listen;
mod logging;
mod nats;
mod output;
mod pretty;
mod pump;
mod relay;
mod signal;
mod sim;
mod topics;

use std::process::ExitCode;

use clap::Parser;

use crate::cli::{Cli, Command};
use crate::exit::{Exit, code_of};
use crate::logging::LogFormat;

fn main() -> ExitCode {
    // Usage errors exit 2 and --help/--version exit 0 (clap's own handling).
    let cli = Cli::parse();
    logging::init(&cli.log);
    // `listen` runs the channel and the stream loop on one thread (stdout that can block is
    // written by a thread of its own, see `output`), like the library's own consumer in the
    // benchmarks.
    let mut builder = match cli.command {
        Command::Listen(_) => tokio::runtime::Builder::new_current_thread(),
        _ => tokio::runtime::Builder::new_multi_thread(),
    };
    let runtime = match builder.enable_all().build() {
        Ok(runtime) => runtime,
        Err(error) => {
            tracing::error!(
                exit_code = Exit::Internal.code(),
                "cannot start the runtime: {error}"
            );
            return Exit::Internal.into();
        }
    };
    let log_format = cli.log.log_format;
    let result = runtime.block_on(async move {
        match cli.command {
            Command::Listen(args) => listen::run(args).await,
            Command::Demo(args) => demo::run(args, log_format).await,
            Command::Sim(args) => sim::run(args).await,
            Command::Channels(args) => channels::run(args).await,
            Command::Relay(args) => relay::run(*args).await,
            Command::Consume(args) => consume::run(args).await,
        }
    });
    // Do not wait for tasks still winding down (e.g. a socket's close handshake).
    runtime.shutdown_timeout(std::time::Duration::from_millis(500));
    match result {
        Ok(()) => Exit::Done.into(),
        Err(error) => {
            let exit = code_of(&error);
            if exit == Exit::Usage && log_format == LogFormat::Text {
                // Like clap's own usage errors.
                eprintln!("error: {error:#}\n\nFor more information, try '--help'.");
            } else {
                tracing::error!(exit_code = exit.code(), "{error:#}");
            }
            exit.into()
        }
    }
}
