//! Benchmarks of the Genesys Cloud Notifications client, always against the simulator.
//!
//! ```text
//! cargo run --release -p genesys-bench -- e2e         # end-to-end throughput, CPU, memory
//! cargo run --release -p genesys-bench -- recovery    # recovery latencies
//! cargo run --release -p genesys-bench -- pool        # channel pool: subscribe time, CPU
//! cargo run --release -p genesys-bench -- flow-rss    # listen's peak memory, stalled stdout
//! ```
//!
//! See `BENCHMARKS.md` at the repository root for the method, the figures and the targets.
//!
//! | Module | Role |
//! |---|---|
//! | [`shapes`] | The three payload shapes and the heartbeat frame. |
//! | [`clients`] | (a) the minimal baseline client and (b) the library's counting loop. |
//! | [`e2e`] | The end-to-end harness: simulator, back-pressured publisher, client processes. |
//! | [`flow`] | Peak memory of `listen` with a stalled consumer, per buffer bound. |
//! | [`recovery`] | Recovery latency: `socket_closing` and dropped connection. |
//! | [`pool`] | The channel pool: time to subscribe many topics, CPU of the merged stream. |
//! | [`measure`] | CPU time and peak RSS (`getrusage`, `wait4`, `/proc/self/status`). |

pub mod clients;
pub mod e2e;
pub mod flow;
pub mod measure;
pub mod pool;
pub mod recovery;
pub mod shapes;
