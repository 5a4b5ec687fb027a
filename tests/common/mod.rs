//! Helpers shared by the integration tests that measure a child's peak memory.

/// Waits for `pid` and returns (exit code, peak resident set size in bytes).
#[cfg(unix)]
pub fn wait_with_rusage(pid: u32) -> (i32, u64) {
    let mut status: libc::c_int = 0;
    // SAFETY: `rusage` is plain old data that wait4 fills in.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let pid = libc::pid_t::try_from(pid).unwrap();
    // SAFETY: waits for our own child; both pointers are valid for the call.
    let got = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    assert_eq!(got, pid, "wait4: {}", std::io::Error::last_os_error());
    assert!(
        libc::WIFEXITED(status),
        "child did not exit normally: {status}"
    );
    let maxrss = u64::try_from(usage.ru_maxrss).unwrap_or(0);
    // Linux reports KiB; macOS reports bytes.
    let bytes = if cfg!(target_os = "macos") {
        maxrss
    } else {
        maxrss * 1024
    };
    (libc::WEXITSTATUS(status), bytes)
}

/// On Linux, a process's peak RSS (`ru_maxrss`) starts from the peak of the memory
/// image it replaced at `exec`, and a spawned child starts from its parent's image:
/// spawned straight from a test process (which runs other memory-hungry tests in
/// parallel) wxmsg would inherit their peak. So a measuring test runs itself again,
/// alone, in a fresh and small process with `env` set, which spawns wxmsg and
/// measures it; this runs the test `name` that way and asserts that it passed.
#[cfg(unix)]
pub fn rerun_alone(name: &str, env: &str) {
    let out = std::process::Command::new(std::env::current_exe().unwrap())
        .args([name, "--exact", "--nocapture", "--test-threads=1"])
        .env(env, "1")
        .output()
        .expect("re-run the test binary");
    let text = String::from_utf8_lossy(&out.stdout);
    let err = String::from_utf8_lossy(&out.stderr);
    print!("{text}");
    assert!(out.status.success(), "{text}\n{err}");
    assert!(
        text.contains("1 passed"),
        "the helper run did not run the test: {text}"
    );
}
