//! CPU per notification of the library over TLS (`wss://localhost`, the simulator with the
//! given certificate): the consuming thread's CPU time (`CLOCK_THREAD_CPUTIME_ID`, the
//! driver and the consumer on one current-thread runtime) for N notifications of a shape,
//! after 2,000 of warm-up. The publisher is `e2e::Publisher` (`e2e::stream` on its own thread).
//!
//! ```sh
//! openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
//!   -keyout /tmp/tls/key.pem -out /tmp/tls/cert.pem -subj /CN=localhost \
//!   -addext subjectAltName=DNS:localhost -addext basicConstraints=critical,CA:FALSE
//! openssl x509 -in /tmp/tls/cert.pem -outform der -out /tmp/tls/cert.der
//! cargo run --release -p genesys-bench --example tls_read -- /tmp/tls conversation 150000
//! ```
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;
use std::time::Instant;

use futures_util::StreamExt as _;
use genesys_bench::e2e::Publisher;
use genesys_bench::recovery::SimThread;
use genesys_bench::shapes::Shape;
use genesys_sim::{SimConfig, TlsConfig};

/// CPU time of the calling thread, in seconds.
fn thread_cpu() -> f64 {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is a valid, writable timespec; the clock id is a constant.
    #[allow(unsafe_code)]
    let rc = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &raw mut ts) };
    assert_eq!(rc, 0, "clock_gettime");
    ts.tv_sec as f64 + ts.tv_nsec as f64 * 1e-9
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

fn main() {
    let mut args = std::env::args().skip(1);
    let dir = PathBuf::from(args.next().expect("the certificate directory"));
    let shape = match args.next().as_deref() {
        Some("presence") => Shape::Presence,
        Some("queue") => Shape::Queue,
        _ => Shape::Conversation,
    };
    let n: u64 = args.next().map_or(50_000, |s| s.parse().unwrap());
    let tls = TlsConfig::from_pem_files(&dir.join("cert.pem"), &dir.join("key.pem")).unwrap();
    let der = std::fs::read(dir.join("cert.der")).unwrap();
    let sim = SimThread::start(SimConfig {
        tls: Some(tls),
        socket_queue_capacity: 1 << 16,
        ..SimConfig::default()
    })
    .unwrap();
    let info = sim.sim().create_channel("demo-client");
    let uri = format!(
        "wss://localhost:{}/channels/{}",
        sim.sim().addr().port(),
        info.id
    );
    let topic = shape.topic();
    runtime().block_on(async {
        let mut channel = genesys_notifications::ConnectOptions::default()
            .add_root_certificate_der(der)
            .connect(&uri, [topic.as_str()])
            .await
            .unwrap();
        let publisher = Publisher::start(sim.shared(), info.id.clone(), shape);
        let mut consume = async |n: u64| {
            let mut handled = 0u64;
            while handled < n {
                match channel.next().await.unwrap() {
                    Ok(_) => handled += 1,
                    Err(e) if e.is_lagged() => handled += e.dropped().unwrap(),
                    Err(e) => panic!("unexpected {e}"),
                }
            }
        };
        consume(2_000).await;
        let (cpu, wall) = (thread_cpu(), Instant::now());
        consume(n).await;
        let (cpu, wall) = (thread_cpu() - cpu, wall.elapsed().as_secs_f64());
        publisher.stop().unwrap();
        println!(
            "{} {n}: {:.0} ns of the consuming thread's CPU per notification, {:.0} notifications/s",
            shape.name(),
            cpu * 1e9 / n as f64,
            n as f64 / wall
        );
    });
}
