//! The ffmpeg/ffprobe runs of the turn on source material (SPEC §7.2.2 steps 1–2, §7.3): the
//! source duration, its scene cuts, cutting the clip and extracting its first frame. Every run
//! has a timeout and is killed when it expires.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use tokio::process::Command;

use super::error::TurnError;

/// The programs and their timeout.
#[derive(Debug, Clone)]
pub struct MediaTools {
    /// `ffmpeg`.
    pub ffmpeg: PathBuf,
    /// `ffprobe`.
    pub ffprobe: PathBuf,
    /// Per-run timeout.
    pub timeout: Duration,
}

/// stdout and stderr of a successful run.
struct Output {
    stdout: Vec<u8>,
    stderr: Vec<u8>,
}

impl MediaTools {
    async fn run(&self, program: &Path, args: &[&std::ffi::OsStr]) -> Result<Output, TurnError> {
        let tool = program.display().to_string();
        let child = Command::new(program)
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .map_err(|e| TurnError::Tool {
                tool: tool.clone(),
                reason: format!("cannot start ({e}); install ffmpeg, which provides ffprobe"),
            })?;
        let out = tokio::time::timeout(self.timeout, child.wait_with_output())
            .await
            .map_err(|_| TurnError::Tool {
                tool: tool.clone(),
                reason: format!("timed out after {:?}", self.timeout),
            })?
            .map_err(|e| TurnError::Tool {
                tool: tool.clone(),
                reason: e.to_string(),
            })?;
        if !out.status.success() {
            let stderr = String::from_utf8_lossy(&out.stderr);
            let tail: String = stderr.trim().chars().take(300).collect();
            return Err(TurnError::Tool {
                tool,
                reason: format!("{}: {tail}", out.status),
            });
        }
        Ok(Output {
            stdout: out.stdout,
            stderr: out.stderr,
        })
    }

    /// `ffprobe -v error -show_entries format=duration -of default=noprint_wrappers=1:nokey=1`;
    /// unparseable output is 0.0 (§7.2.2 step 1).
    pub async fn duration(&self, src: &Path) -> Result<f64, TurnError> {
        let out = self
            .run(
                &self.ffprobe,
                &[
                    "-v".as_ref(),
                    "error".as_ref(),
                    "-show_entries".as_ref(),
                    "format=duration".as_ref(),
                    "-of".as_ref(),
                    "default=noprint_wrappers=1:nokey=1".as_ref(),
                    src.as_os_str(),
                ],
            )
            .await?;
        Ok(String::from_utf8_lossy(&out.stdout)
            .trim()
            .parse::<f64>()
            .ok()
            .filter(|d| d.is_finite())
            .unwrap_or(0.0))
    }

    /// `ffmpeg -i <src> -vf "select='gt(scene,T)',showinfo" -f null -`: stdout and stderr,
    /// where the `pts_time:` values are.
    pub async fn scene_report(&self, src: &Path, threshold: f64) -> Result<String, TurnError> {
        let filter = format!("select='gt(scene,{threshold})',showinfo");
        let out = self
            .run(
                &self.ffmpeg,
                &[
                    "-nostdin".as_ref(),
                    "-i".as_ref(),
                    src.as_os_str(),
                    "-vf".as_ref(),
                    filter.as_ref(),
                    "-f".as_ref(),
                    "null".as_ref(),
                    "-".as_ref(),
                ],
            )
            .await?;
        let mut text = String::from_utf8_lossy(&out.stdout).into_owned();
        text.push('\n');
        text.push_str(&String::from_utf8_lossy(&out.stderr));
        Ok(text)
    }

    /// `ffmpeg -y -ss <start> -i <src> -t <duration> -c:v libx264 -crf 23 -an <clip>` (§7.3).
    pub async fn cut_clip(
        &self,
        src: &Path,
        start: f64,
        duration: f64,
        clip: &Path,
    ) -> Result<(), TurnError> {
        let (start, duration) = (format!("{start}"), format!("{duration}"));
        self.run(
            &self.ffmpeg,
            &[
                "-nostdin".as_ref(),
                "-v".as_ref(),
                "error".as_ref(),
                "-y".as_ref(),
                "-ss".as_ref(),
                start.as_ref(),
                "-i".as_ref(),
                src.as_os_str(),
                "-t".as_ref(),
                duration.as_ref(),
                "-c:v".as_ref(),
                "libx264".as_ref(),
                "-crf".as_ref(),
                "23".as_ref(),
                "-an".as_ref(),
                clip.as_os_str(),
            ],
        )
        .await
        .map(drop)
    }

    /// `ffmpeg -y -ss 0 -i <clip> -vframes 1 -q:v 2 <first_frame.png>` (§7.3).
    pub async fn first_frame(&self, clip: &Path, png: &Path) -> Result<(), TurnError> {
        self.run(
            &self.ffmpeg,
            &[
                "-nostdin".as_ref(),
                "-v".as_ref(),
                "error".as_ref(),
                "-y".as_ref(),
                "-ss".as_ref(),
                "0".as_ref(),
                "-i".as_ref(),
                clip.as_os_str(),
                "-vframes".as_ref(),
                "1".as_ref(),
                "-q:v".as_ref(),
                "2".as_ref(),
                png.as_os_str(),
            ],
        )
        .await
        .map(drop)
    }
}
