//! Test videos made with ffmpeg (lavfi sources; no media files are shipped).
//!
//! Every helper needs `ffmpeg` on `PATH` (Debian: `apt-get install -y ffmpeg`); a missing tool is
//! an error naming the package, never a skipped test.

use std::path::Path;
use std::process::{Command, Stdio};

/// Why a video could not be made.
#[derive(Debug, thiserror::Error)]
pub enum VideoError {
    /// ffmpeg is not installed.
    #[error("ffmpeg is required for this test: install it (apt-get install -y ffmpeg): {0}")]
    Missing(String),
    /// ffmpeg failed.
    #[error("ffmpeg failed: {0}")]
    Failed(String),
    /// Writing a file failed.
    #[error("io: {0}")]
    Io(#[from] std::io::Error),
}

/// Shape of a generated video.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct VideoSpec {
    /// Width.
    pub width: u32,
    /// Height.
    pub height: u32,
    /// Frames per second.
    pub fps: u32,
    /// Duration in seconds.
    pub seconds: f64,
}

impl Default for VideoSpec {
    /// What a miner should return: 832×480, 16 fps, 81 frames.
    fn default() -> Self {
        VideoSpec {
            width: 832,
            height: 480,
            fps: 16,
            seconds: 81.0 / 16.0,
        }
    }
}

fn ffmpeg(args: &[&str]) -> Result<(), VideoError> {
    let out = Command::new("ffmpeg")
        .args(["-hide_banner", "-loglevel", "error", "-nostdin", "-y"])
        .args(args)
        .stdin(Stdio::null())
        .output()
        .map_err(|e| VideoError::Missing(e.to_string()))?;
    if !out.status.success() {
        return Err(VideoError::Failed(
            String::from_utf8_lossy(&out.stderr).trim().to_owned(),
        ));
    }
    Ok(())
}

fn path_str(p: &Path) -> Result<&str, VideoError> {
    p.to_str()
        .ok_or_else(|| VideoError::Failed(format!("non-UTF-8 path {}", p.display())))
}

fn encode_args(spec: &VideoSpec) -> Vec<String> {
    vec![
        "-t".into(),
        format!("{:.4}", spec.seconds),
        "-r".into(),
        spec.fps.to_string(),
        "-c:v".into(),
        "libx264".into(),
        "-preset".into(),
        "ultrafast".into(),
        "-pix_fmt".into(),
        "yuv420p".into(),
        "-movflags".into(),
        "+faststart".into(),
    ]
}

fn run_with(
    input: &[&str],
    filter: Option<String>,
    spec: &VideoSpec,
    out: &Path,
) -> Result<(), VideoError> {
    let mut args: Vec<String> = input.iter().map(|s| (*s).to_owned()).collect();
    if let Some(f) = filter {
        args.push("-vf".into());
        args.push(f);
    }
    args.extend(encode_args(spec));
    args.push(path_str(out)?.to_owned());
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    ffmpeg(&refs)
}

/// A "source clip": a test pattern that scrolls horizontally, so every timestamp looks different.
pub fn source_clip(out: &Path, spec: &VideoSpec) -> Result<(), VideoError> {
    let src = format!(
        "testsrc2=size={}x{}:rate={}",
        spec.width, spec.height, spec.fps
    );
    run_with(
        &["-f", "lavfi", "-i", &src],
        Some("scroll=horizontal=0.02".into()),
        spec,
        out,
    )
}

/// Frame 0 of `video` as PNG (the conditioning frame).
pub fn first_frame_png(video: &Path, out: &Path) -> Result<(), VideoError> {
    ffmpeg(&["-i", path_str(video)?, "-frames:v", "1", path_str(out)?])
}

/// A plausible generation: starts exactly at `png` and rotates and zooms away from it.
pub fn animate_from_frame(png: &Path, out: &Path, spec: &VideoSpec) -> Result<(), VideoError> {
    let filter = format!(
        "scale={w}:{h},rotate=a='0.6*t':fillcolor=gray,format=yuv420p",
        w = spec.width,
        h = spec.height
    );
    run_with(
        &["-loop", "1", "-i", path_str(png)?],
        Some(filter),
        spec,
        out,
    )
}

/// A frozen video: `png` held for the whole duration.
pub fn still_from_frame(png: &Path, out: &Path, spec: &VideoSpec) -> Result<(), VideoError> {
    let filter = format!("scale={}:{},format=yuv420p", spec.width, spec.height);
    run_with(
        &["-loop", "1", "-i", path_str(png)?],
        Some(filter),
        spec,
        out,
    )
}

/// A moving test pattern of any shape (wrong resolution, too long, ...).
pub fn pattern(out: &Path, spec: &VideoSpec) -> Result<(), VideoError> {
    let src = format!(
        "testsrc2=size={}x{}:rate={}",
        spec.width, spec.height, spec.fps
    );
    run_with(&["-f", "lavfi", "-i", &src], None, spec, out)
}

/// An incompressible video (random noise) of roughly `seconds` — large files for the byte cap.
pub fn noise(out: &Path, spec: &VideoSpec) -> Result<(), VideoError> {
    let src = format!(
        "nullsrc=size={}x{}:rate={}",
        spec.width, spec.height, spec.fps
    );
    run_with(
        &["-f", "lavfi", "-i", &src],
        Some("geq=random(1)*255:128:128".into()),
        spec,
        out,
    )
}

/// Bytes that are not a video.
pub fn garbage(out: &Path, len: usize) -> Result<(), VideoError> {
    let bytes: Vec<u8> = (0..len).map(|i| (i * 31 % 251) as u8).collect();
    std::fs::write(out, bytes)?;
    Ok(())
}
