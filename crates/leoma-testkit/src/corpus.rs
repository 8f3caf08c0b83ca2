//! A synthetic source corpus (SPEC §3.12): multi-shot MP4s made with ffmpeg whose hard cuts
//! ffmpeg's scene detection finds, so the sampler's one-shot clip choice has real work to do.
//! Needs `ffmpeg` on `PATH` (Debian: `apt-get install -y ffmpeg`).

use std::path::Path;

use crate::video::{VideoError, VideoSpec};

/// What one shot shows. Each looks unlike the others, so a change of shot is a scene cut.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ShotKind {
    /// A test pattern scrolling sideways (motion inside the shot, no cut).
    ScrollingPattern,
    /// SMPTE colour bars drifting up.
    Bars,
    /// A slowly zooming Mandelbrot set.
    Fractal,
    /// Moving colour gradients (`gradients` source is not in every build; this is `life`).
    Life,
}

impl ShotKind {
    fn source(self, spec: &VideoSpec) -> (String, Option<&'static str>) {
        let size = format!("{}x{}", spec.width, spec.height);
        let rate = spec.fps;
        match self {
            ShotKind::ScrollingPattern => (
                format!("testsrc2=size={size}:rate={rate}"),
                Some("scroll=horizontal=0.02"),
            ),
            ShotKind::Bars => (
                format!("smptebars=size={size}:rate={rate}"),
                Some("scroll=vertical=0.01"),
            ),
            ShotKind::Fractal => (format!("mandelbrot=size={size}:rate={rate}"), None),
            ShotKind::Life => (
                format!(
                    "life=size={size}:rate={rate}:mold=10:ratio=0.3:death_color=#C83232:life_color=#00ff00"
                ),
                None,
            ),
        }
    }
}

/// Writes a video made of `shots` (kind, seconds) back to back, encoded as a miner-shaped MP4
/// (H.264, yuv420p, `spec`'s size and rate; `spec.seconds` is ignored).
pub fn multi_shot(
    out: &Path,
    shots: &[(ShotKind, f64)],
    spec: &VideoSpec,
) -> Result<(), VideoError> {
    let out_str = out
        .to_str()
        .ok_or_else(|| VideoError::Failed(format!("non-UTF-8 path {}", out.display())))?;
    let mut args: Vec<String> = ["-hide_banner", "-loglevel", "error", "-nostdin", "-y"]
        .iter()
        .map(|s| (*s).to_owned())
        .collect();
    let mut filter = String::new();
    for (i, (kind, seconds)) in shots.iter().enumerate() {
        let (src, vf) = kind.source(spec);
        args.extend([
            "-f".into(),
            "lavfi".into(),
            "-t".into(),
            format!("{seconds:.4}"),
        ]);
        args.extend(["-i".into(), src]);
        let chain = vf.map(|f| format!("{f},")).unwrap_or_default();
        filter.push_str(&format!("[{i}:v]{chain}format=yuv420p,setsar=1[v{i}];"));
    }
    for i in 0..shots.len() {
        filter.push_str(&format!("[v{i}]"));
    }
    filter.push_str(&format!("concat=n={}:v=1:a=0[out]", shots.len()));
    args.extend([
        "-filter_complex".into(),
        filter,
        "-map".into(),
        "[out]".into(),
        "-r".into(),
        spec.fps.to_string(),
        "-c:v".into(),
        "libx264".into(),
        "-preset".into(),
        "ultrafast".into(),
        "-pix_fmt".into(),
        "yuv420p".into(),
        out_str.to_owned(),
    ]);
    let output = std::process::Command::new("ffmpeg")
        .args(&args)
        .stdin(std::process::Stdio::null())
        .output()
        .map_err(|e| VideoError::Missing(e.to_string()))?;
    if !output.status.success() {
        return Err(VideoError::Failed(
            String::from_utf8_lossy(&output.stderr).trim().to_owned(),
        ));
    }
    Ok(())
}

/// The §3.12 metadata JSON of a corpus video.
pub fn corpus_json(video_id: &str, duration_s: f64) -> Vec<u8> {
    serde_json::json!({
        "source": "youtube",
        "video_id": video_id,
        "url": format!("https://www.youtube.com/watch?v={video_id}"),
        "title": format!("synthetic {video_id}"),
        "channel": "leoma-testkit",
        "duration": duration_s,
        "upload_date": "20260101",
        "ingested_at": "2026-01-01T00:00:00",
    })
    .to_string()
    .into_bytes()
}
