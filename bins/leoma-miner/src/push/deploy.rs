//! Running `chutes deploy <module>:chute --accept-fee` (answering `y`) and judging its output:
//! a deploy fails on a non-zero exit or on the first log line `YYYY-MM-DD HH:MM:SS.mmm | ERROR`.

use std::path::{Path, PathBuf};
use std::process::Stdio;

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::process::Command;

use crate::error::MinerError;

/// The first executable named `name` in the `PATH`-style list `path`.
pub fn find_on_path(name: &str, path: Option<&std::ffi::OsStr>) -> Option<PathBuf> {
    std::env::split_paths(path?)
        .map(|dir| dir.join(name))
        .find(|p| p.is_file())
}

/// Whether `line` is a Chutes log line at level ERROR (`YYYY-MM-DD HH:MM:SS.mmm | ERROR`).
pub fn is_error_line(line: &str) -> bool {
    let b = line.as_bytes();
    let digits = |r: std::ops::Range<usize>| {
        b.get(r)
            .is_some_and(|s| !s.is_empty() && s.iter().all(u8::is_ascii_digit))
    };
    let at = |i: usize, c: u8| b.get(i) == Some(&c);
    digits(0..4)
        && at(4, b'-')
        && digits(5..7)
        && at(7, b'-')
        && digits(8..10)
        && at(10, b' ')
        && digits(11..13)
        && at(13, b':')
        && digits(14..16)
        && at(16, b':')
        && digits(17..19)
        && at(19, b'.')
        && digits(20..23)
        && line
            .get(23..)
            .is_some_and(|rest| rest.trim_start().starts_with("| ERROR"))
}

/// Runs the deploy in `dir`; every output line (stdout and stderr) goes to `log`.
pub async fn deploy(
    chutes_bin: &Path,
    dir: &Path,
    module: &str,
    log: &mut (dyn FnMut(&str) + Send),
) -> Result<(), MinerError> {
    let mut child = Command::new(chutes_bin)
        .arg("deploy")
        .arg(format!("{module}:chute"))
        .arg("--accept-fee")
        .current_dir(dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .map_err(|e| MinerError::Deploy(format!("cannot run {}: {e}", chutes_bin.display())))?;
    if let Some(mut stdin) = child.stdin.take() {
        // The CLI may not ask; a closed pipe is fine.
        let _ = stdin.write_all(b"y\n").await;
    }
    let (Some(stdout), Some(stderr)) = (child.stdout.take(), child.stderr.take()) else {
        return Err(MinerError::Deploy("no output pipes".into()));
    };
    // Both streams feed one channel; it closes when both are at end of file.
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<String>();
    forward_lines(stdout, tx.clone());
    forward_lines(stderr, tx);
    while let Some(line) = rx.recv().await {
        log(&line);
        if is_error_line(&line) {
            // The CLI keeps running after logging an error; the deploy has failed anyway.
            let _ = child.kill().await;
            return Err(MinerError::Deploy(line));
        }
    }
    let status = child
        .wait()
        .await
        .map_err(|e| MinerError::Deploy(format!("waiting for the CLI: {e}")))?;
    if !status.success() {
        return Err(MinerError::Deploy(format!(
            "`chutes deploy` exited with {status}"
        )));
    }
    Ok(())
}

fn forward_lines<R>(reader: R, tx: tokio::sync::mpsc::UnboundedSender<String>)
where
    R: tokio::io::AsyncRead + Unpin + Send + 'static,
{
    tokio::spawn(async move {
        let mut lines = BufReader::new(reader).lines();
        while let Ok(Some(line)) = lines.next_line().await {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_lines() {
        assert!(is_error_line("2025-01-02 03:04:05.678 | ERROR    | boom"));
        assert!(is_error_line("2025-01-02 03:04:05.678 | ERROR"));
        assert!(!is_error_line("2025-01-02 03:04:05.678 | INFO     | fine"));
        assert!(!is_error_line("2025-01-02 03:04:05 | ERROR"));
        assert!(!is_error_line("ERROR 2025-01-02 03:04:05.678"));
        assert!(!is_error_line(""));
    }
}
