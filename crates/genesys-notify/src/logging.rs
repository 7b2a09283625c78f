//! stderr: lifecycle, gap and error lines, as text for people or JSON for machines.
//!
//! Everything written to stderr goes through `tracing`, so `--log-format`, `-v` and `-q`
//! apply to the library's own diagnostics too. `RUST_LOG`, when set, overrides `-v`/`-q`.

use clap::{ArgAction, Args, ValueEnum};
use tracing_subscriber::EnvFilter;

/// Format of the stderr lines.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, ValueEnum)]
pub(crate) enum LogFormat {
    /// Human-readable lines: time, level, message, fields.
    #[default]
    Text,
    /// One JSON object a line (`timestamp`, `level`, `message`, `event` and other fields).
    Json,
}

/// The logging options, accepted before or after the subcommand.
#[derive(Debug, Clone, Args)]
pub(crate) struct LogArgs {
    /// Format of the lines written to stderr: `text` for people, `json` (one object a line,
    /// with an `event` field naming lifecycle events) for machines.
    #[arg(
        long,
        value_enum,
        default_value_t,
        global = true,
        value_name = "FORMAT"
    )]
    pub(crate) log_format: LogFormat,
    /// More detail on stderr: `-v` adds the client library's debug lines, `-vv` everything
    /// down to trace level.
    #[arg(short, long, action = ArgAction::Count, global = true)]
    pub(crate) verbose: u8,
    /// Only errors on stderr (no lifecycle lines). Overridden by `-v`.
    #[arg(short, long, global = true)]
    pub(crate) quiet: bool,
}

impl LogArgs {
    fn filter(&self) -> EnvFilter {
        if let Ok(filter) = EnvFilter::try_from_default_env() {
            return filter;
        }
        let directives = match (self.verbose, self.quiet) {
            (0, true) => "error",
            (0, false) => "warn,genesys_notify=info,genesys_relay=info",
            (1, _) => {
                "info,genesys_notify=debug,genesys_notifications=debug,genesys_sim=info,genesys_relay=debug"
            }
            _ => {
                "debug,genesys_notify=trace,genesys_notifications=trace,genesys_sim=trace,genesys_relay=trace"
            }
        };
        EnvFilter::new(directives)
    }
}

/// Text fields: the message as is, other fields as ` name=value`; `event` (the machine
/// name of a lifecycle line, for `--log-format json`) is left out.
fn text_field(
    writer: &mut tracing_subscriber::fmt::format::Writer<'_>,
    field: &tracing::field::Field,
    value: &dyn std::fmt::Debug,
) -> std::fmt::Result {
    match field.name() {
        "event" => Ok(()),
        "message" => write!(writer, "{value:?}"),
        name => write!(writer, " {name}={value:?}"),
    }
}

/// Installs the stderr subscriber. Call once, first thing.
pub(crate) fn init(args: &LogArgs) {
    let builder = tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(args.filter())
        .with_target(false);
    match args.log_format {
        LogFormat::Text => builder
            .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
            .fmt_fields(tracing_subscriber::fmt::format::debug_fn(text_field))
            .init(),
        LogFormat::Json => builder
            .json()
            .flatten_event(true)
            .with_current_span(false)
            .with_span_list(false)
            .init(),
    }
}
