//! Process measurements: CPU time and peak resident memory of a child process (`wait4`), of
//! this process (`getrusage`, `/proc/self/status`).

use std::io;
use std::time::Duration;

/// CPU time and peak resident set size of a process.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Usage {
    /// User plus system CPU time.
    pub cpu: Duration,
    /// Peak resident set size (`ru_maxrss`), in KiB. On Linux it also covers the image the
    /// process replaced at exec: for a child spawned with `vfork`/`posix_spawn` (as
    /// `std::process::Command` does) that is the parent's peak at that moment, so it is at
    /// least the child's own `VmHWM`, and can be more.
    pub max_rss_kib: u64,
}

fn timeval(tv: libc::timeval) -> Duration {
    let secs = u64::try_from(tv.tv_sec).unwrap_or(0);
    let micros = u32::try_from(tv.tv_usec).unwrap_or(0);
    Duration::from_secs(secs) + Duration::from_micros(u64::from(micros))
}

fn usage(ru: &libc::rusage) -> Usage {
    Usage {
        cpu: timeval(ru.ru_utime) + timeval(ru.ru_stime),
        max_rss_kib: u64::try_from(ru.ru_maxrss).unwrap_or(0),
    }
}

/// This process's usage so far (`getrusage(RUSAGE_SELF)`).
pub fn self_usage() -> Usage {
    // SAFETY: `rusage` is plain old data, valid when zeroed; `getrusage` only writes it.
    #[allow(unsafe_code)]
    let ru = unsafe {
        let mut ru: libc::rusage = std::mem::zeroed();
        if libc::getrusage(libc::RUSAGE_SELF, &mut ru) != 0 {
            return Usage::default();
        }
        ru
    };
    usage(&ru)
}

/// This thread's CPU time so far (`getrusage(RUSAGE_THREAD)`).
pub fn thread_cpu() -> Duration {
    // SAFETY: as in `self_usage`.
    #[allow(unsafe_code)]
    let ru = unsafe {
        let mut ru: libc::rusage = std::mem::zeroed();
        if libc::getrusage(libc::RUSAGE_THREAD, &mut ru) != 0 {
            return Duration::ZERO;
        }
        ru
    };
    usage(&ru).cpu
}

/// How a reaped child ended, and what it used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Exit {
    /// The exit code, or `None` when killed by a signal.
    pub code: Option<i32>,
    /// Its resource usage over its whole life.
    pub usage: Usage,
}

/// Waits for child `pid` to end and reaps it with `wait4`, returning its exit status and
/// resource usage. Blocking: call it from a blocking thread. The `std::process::Child` of
/// `pid` must not be waited for afterwards (it is gone).
///
/// # Errors
///
/// The `wait4` error (e.g. `ECHILD` if the child was already reaped).
pub fn wait_child(pid: u32) -> io::Result<Exit> {
    let pid = libc::pid_t::try_from(pid).map_err(|_| io::Error::other("pid out of range"))?;
    loop {
        let mut status: libc::c_int = 0;
        // SAFETY: `status` and `ru` are valid for writes; `wait4` writes nothing else.
        #[allow(unsafe_code)]
        let (rc, ru) = unsafe {
            let mut ru: libc::rusage = std::mem::zeroed();
            let rc = libc::wait4(pid, &mut status, 0, &mut ru);
            (rc, ru)
        };
        if rc == pid {
            let code = libc::WIFEXITED(status).then(|| libc::WEXITSTATUS(status));
            return Ok(Exit {
                code,
                usage: usage(&ru),
            });
        }
        let err = io::Error::last_os_error();
        if err.kind() != io::ErrorKind::Interrupted {
            return Err(err);
        }
    }
}

/// A `VmXxx:` value of `/proc/self/status`, in KiB (`VmHWM` = peak RSS, `VmRSS` = current).
pub fn proc_status_kib(field: &str) -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status.lines().find_map(|line| {
        let rest = line.strip_prefix(field)?.strip_prefix(':')?;
        rest.trim().trim_end_matches("kB").trim().parse().ok()
    })
}

/// The machine, for the report: `nproc`, the CPU model and the current load average (the
/// machine may be shared).
pub fn machine() -> String {
    let cpus = std::thread::available_parallelism().map_or(0, usize::from);
    let model = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines().find_map(|l| {
                l.strip_prefix("model name")
                    .map(|r| r.trim_start_matches([' ', '\t', ':']).to_owned())
            })
        })
        .unwrap_or_else(|| "unknown CPU".to_owned());
    let load = std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|s| s.split_whitespace().next().map(str::to_owned))
        .unwrap_or_else(|| "?".to_owned());
    format!("{cpus} CPUs, {model}; load average (1 min) at start: {load}")
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn self_usage_is_at_least_the_peak_proc_status_reports() {
        // `ru_maxrss` is the peak of this process *and* of the image it replaced at exec
        // (Linux keeps the larger): for a process spawned by a large parent it can be far
        // above `VmHWM`, the peak of the current image (seen here: 78,808 vs 10,860 KiB for
        // this test binary started by cargo). What always holds: it is never below.
        let hwm = proc_status_kib("VmHWM").unwrap();
        let u = self_usage();
        assert!(hwm > 0);
        assert!(
            u.max_rss_kib >= hwm,
            "ru_maxrss {} KiB < VmHWM {hwm} KiB",
            u.max_rss_kib
        );
        assert!(proc_status_kib("NoSuchField").is_none());
    }

    #[test]
    #[allow(clippy::zombie_processes)] // reaped by `wait_child`, not by `Child::wait`
    fn wait_child_reports_exit_code_and_usage() {
        let child = std::process::Command::new("sh")
            .args(["-c", "exit 3"])
            .spawn()
            .unwrap();
        let exit = wait_child(child.id()).unwrap();
        assert_eq!(exit.code, Some(3));
        assert!(exit.usage.max_rss_kib > 0);
        assert!(wait_child(child.id()).is_err(), "already reaped");
    }
}
