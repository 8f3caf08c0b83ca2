//! `FfmpegProbe`: the [`VideoProbe`] adapter over the ffprobe and ffmpeg programs. Every run has
//! a timeout and is killed when it expires (`kill_on_drop`); output is bounded by the frame
//! count requested.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use async_trait::async_trait;
use serde_json::Value;
use tokio::process::Command;

use super::settings::{
    ANALYSIS_HEIGHT, ANALYSIS_WIDTH, DEFAULT_TOOL_TIMEOUT, FIDELITY_HEIGHT, FIDELITY_WIDTH,
    HASH_HEIGHT, HASH_WIDTH,
};
use super::{CheckFrames, FrameHashes, GrayFrame, VideoInfo, VideoProbe};
use crate::EvalError;
use crate::error::truncate;

/// The ffprobe/ffmpeg adapter.
#[derive(Debug, Clone)]
pub struct FfmpegProbe {
    ffprobe: PathBuf,
    ffmpeg: PathBuf,
    timeout: Duration,
}

impl Default for FfmpegProbe {
    fn default() -> Self {
        FfmpegProbe::new("ffprobe", "ffmpeg", DEFAULT_TOOL_TIMEOUT)
    }
}

impl FfmpegProbe {
    /// Uses the given programs (names are looked up in `PATH`) with a per-run timeout.
    pub fn new(ffprobe: impl Into<PathBuf>, ffmpeg: impl Into<PathBuf>, timeout: Duration) -> Self {
        FfmpegProbe {
            ffprobe: ffprobe.into(),
            ffmpeg: ffmpeg.into(),
            timeout,
        }
    }

    /// Checks that both programs run (`-version`), naming what to install otherwise.
    pub async fn check_tools(&self) -> Result<(), EvalError> {
        for tool in [&self.ffprobe, &self.ffmpeg] {
            let mut cmd = Command::new(tool);
            cmd.arg("-version");
            run(cmd, tool, self.timeout).await?;
        }
        Ok(())
    }
}

/// Runs a command to completion within `timeout`; a non-zero exit is `ToolFailed`.
async fn run(mut cmd: Command, tool: &Path, timeout: Duration) -> Result<Vec<u8>, EvalError> {
    let name = tool.display().to_string();
    cmd.stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    let child = cmd.spawn().map_err(|e| EvalError::ToolMissing {
        tool: name.clone(),
        reason: e.to_string(),
    })?;
    let output = tokio::time::timeout(timeout, child.wait_with_output())
        .await
        .map_err(|_| EvalError::ToolTimeout {
            tool: name.clone(),
            after: timeout,
        })?
        .map_err(|e| EvalError::ToolFailed {
            tool: name.clone(),
            reason: e.to_string(),
        })?;
    if !output.status.success() {
        return Err(EvalError::ToolFailed {
            tool: name,
            reason: format!(
                "{}: {}",
                output.status,
                truncate(String::from_utf8_lossy(&output.stderr).trim(), 300)
            ),
        });
    }
    Ok(output.stdout)
}

/// One output of a multi-output decode: a filter-graph label, its frame size and limit.
struct Output {
    label: &'static str,
    width: u32,
    height: u32,
    max_frames: u32,
}

/// Splits raw gray output into frames; a partial frame or no frame at all is `ToolFailed`.
fn split_frames(
    tool: &Path,
    bytes: &[u8],
    width: u32,
    height: u32,
) -> Result<Vec<GrayFrame>, EvalError> {
    let frame_len = usize::try_from(u64::from(width) * u64::from(height))
        .map_err(|_| EvalError::InvalidInput("frame size too large".into()))?;
    if frame_len == 0 || bytes.is_empty() || !bytes.len().is_multiple_of(frame_len) {
        return Err(failed(
            tool,
            format!(
                "decoded {} bytes, not whole {width}x{height} frames",
                bytes.len()
            ),
        ));
    }
    Ok(bytes
        .chunks_exact(frame_len)
        .filter_map(|c| GrayFrame::new(width, height, c.to_vec()))
        .collect())
}

/// `fps` as ffmpeg reads a frame rate; `None` for a rate it must not be given.
fn rate(fps: f64) -> Option<String> {
    (fps.is_finite() && fps > 0.0 && fps <= 1000.0).then(|| format!("{fps:.6}"))
}

impl FfmpegProbe {
    /// Decodes `path` once through `graph` (whose input is `[0:v]` after grayscale conversion)
    /// into one raw file per output, in a private temporary directory, and returns the frames
    /// of each output in order.
    async fn decode(
        &self,
        path: &Path,
        graph: &str,
        outputs: &[Output],
    ) -> Result<Vec<Vec<GrayFrame>>, EvalError> {
        let dir = tempfile::tempdir().map_err(|source| EvalError::Io {
            path: std::env::temp_dir().display().to_string(),
            source,
        })?;
        let mut cmd = Command::new(&self.ffmpeg);
        cmd.args(["-v", "error", "-nostdin", "-i"])
            .arg(path)
            .args(["-filter_complex", &format!("[0:v]format=gray,{graph}")]);
        let files: Vec<PathBuf> = outputs
            .iter()
            .map(|o| dir.path().join(format!("{}.gray", o.label)))
            .collect();
        for (o, file) in outputs.iter().zip(&files) {
            cmd.args(["-map", &format!("[{}]", o.label)])
                .args(["-frames:v", &o.max_frames.to_string()])
                .args(["-f", "rawvideo", "-pix_fmt", "gray"])
                .arg(file);
        }
        run(cmd, &self.ffmpeg, self.timeout).await?;
        let mut decoded = Vec::with_capacity(outputs.len());
        for (o, file) in outputs.iter().zip(&files) {
            let bytes = tokio::fs::read(file)
                .await
                .map_err(|source| EvalError::Io {
                    path: file.display().to_string(),
                    source,
                })?;
            decoded.push(split_frames(&self.ffmpeg, &bytes, o.width, o.height)?);
        }
        Ok(decoded)
    }
}

fn hashes(frames: &[GrayFrame], fps: f64) -> FrameHashes {
    FrameHashes {
        hashes: frames.iter().filter_map(GrayFrame::dhash).collect(),
        fps,
    }
}

fn failed(tool: &Path, reason: impl Into<String>) -> EvalError {
    EvalError::ToolFailed {
        tool: tool.display().to_string(),
        reason: reason.into(),
    }
}

#[async_trait]
impl VideoProbe for FfmpegProbe {
    async fn probe(&self, path: &Path) -> Result<VideoInfo, EvalError> {
        let mut cmd = Command::new(&self.ffprobe);
        cmd.args(["-v", "error", "-count_packets", "-show_entries"])
            .arg(
                "stream=codec_type,codec_name,width,height,avg_frame_rate,nb_frames,\
                 nb_read_packets,duration:format=format_name,duration",
            )
            .args(["-of", "json", "-i"])
            .arg(path);
        let out = run(cmd, &self.ffprobe, self.timeout).await?;
        let json: Value = serde_json::from_slice(&out)
            .map_err(|e| failed(&self.ffprobe, format!("output is not JSON: {e}")))?;
        parse_probe(&json).map_err(|reason| failed(&self.ffprobe, reason))
    }

    async fn gray_frames(
        &self,
        path: &Path,
        start_s: f64,
        width: u32,
        height: u32,
        max_frames: u32,
    ) -> Result<Vec<GrayFrame>, EvalError> {
        let mut cmd = Command::new(&self.ffmpeg);
        cmd.args(["-v", "error", "-nostdin"]);
        if start_s > 0.0 {
            cmd.args(["-ss", &format!("{start_s:.6}")]);
        }
        cmd.arg("-i")
            .arg(path)
            .args(["-an", "-sn", "-dn", "-frames:v", &max_frames.to_string()])
            .args([
                "-vf",
                &format!("format=gray,scale={width}:{height}:flags=area"),
            ])
            .args(["-f", "rawvideo", "-pix_fmt", "gray", "-"]);
        let out = run(cmd, &self.ffmpeg, self.timeout).await?;
        split_frames(&self.ffmpeg, &out, width, height)
    }

    async fn check_frames(
        &self,
        path: &Path,
        max_frames: u32,
        hash_fps: f64,
    ) -> Result<CheckFrames, EvalError> {
        let fps = rate(hash_fps).ok_or_else(|| {
            EvalError::InvalidInput(format!("frame rate {hash_fps} is not usable"))
        })?;
        let graph = format!(
            "split=3[a][f][h];\
             [a]scale={ANALYSIS_WIDTH}:{ANALYSIS_HEIGHT}:flags=area[analysis];\
             [f]trim=end_frame=1,scale={FIDELITY_WIDTH}:{FIDELITY_HEIGHT}:flags=area[first];\
             [h]fps=fps={fps},scale={HASH_WIDTH}:{HASH_HEIGHT}:flags=area[hash]"
        );
        let outputs = [
            Output {
                label: "analysis",
                width: ANALYSIS_WIDTH,
                height: ANALYSIS_HEIGHT,
                max_frames,
            },
            Output {
                label: "first",
                width: FIDELITY_WIDTH,
                height: FIDELITY_HEIGHT,
                max_frames: 1,
            },
            Output {
                label: "hash",
                width: HASH_WIDTH,
                height: HASH_HEIGHT,
                max_frames,
            },
        ];
        let mut decoded = self.decode(path, &graph, &outputs).await?.into_iter();
        let analysis = decoded.next().unwrap_or_default();
        let first = decoded.next().unwrap_or_default().into_iter().next();
        let hash_frames = decoded.next().unwrap_or_default();
        Ok(CheckFrames {
            analysis,
            first,
            hashes: hashes(&hash_frames, hash_fps),
        })
    }

    async fn frame_hashes(
        &self,
        path: &Path,
        max_frames: u32,
        fps: f64,
    ) -> Result<FrameHashes, EvalError> {
        let rate = rate(fps)
            .ok_or_else(|| EvalError::InvalidInput(format!("frame rate {fps} is not usable")))?;
        let graph = format!("fps=fps={rate},scale={HASH_WIDTH}:{HASH_HEIGHT}:flags=area[hash]");
        let outputs = [Output {
            label: "hash",
            width: HASH_WIDTH,
            height: HASH_HEIGHT,
            max_frames,
        }];
        let frames = self
            .decode(path, &graph, &outputs)
            .await?
            .into_iter()
            .next()
            .unwrap_or_default();
        Ok(hashes(&frames, fps))
    }
}

/// Reads ffprobe's JSON; the error names what is missing.
pub fn parse_probe(json: &Value) -> Result<VideoInfo, String> {
    let stream = json
        .get("streams")
        .and_then(Value::as_array)
        .and_then(|s| {
            s.iter()
                .find(|s| s.get("codec_type").and_then(Value::as_str) == Some("video"))
        })
        .ok_or("no video stream")?;
    let format = json.get("format");
    let text = |v: Option<&Value>| v.and_then(Value::as_str).map(str::to_owned);
    let number = |v: Option<&Value>| {
        v.and_then(|v| {
            v.as_f64()
                .or_else(|| v.as_str().and_then(|s| s.parse().ok()))
        })
    };
    let dim = |key: &str| {
        stream
            .get(key)
            .and_then(Value::as_u64)
            .and_then(|v| u32::try_from(v).ok())
            .ok_or(format!("no {key}"))
    };
    let duration_s = number(stream.get("duration"))
        .or_else(|| number(format.and_then(|f| f.get("duration"))))
        .filter(|d| d.is_finite())
        .ok_or("no duration")?;
    let fps = text(stream.get("avg_frame_rate"))
        .and_then(|r| {
            let (n, d) = r.split_once('/')?;
            let (n, d): (f64, f64) = (n.parse().ok()?, d.parse().ok()?);
            (d > 0.0).then(|| n / d)
        })
        .ok_or("no average frame rate")?;
    let frame_count = number(stream.get("nb_frames"))
        .filter(|n| *n > 0.0)
        .or_else(|| number(stream.get("nb_read_packets")))
        .map(|n| n as u64)
        .ok_or("no frame count")?;
    Ok(VideoInfo {
        container: text(format.and_then(|f| f.get("format_name"))).unwrap_or_default(),
        codec: text(stream.get("codec_name")).unwrap_or_default(),
        width: dim("width")?,
        height: dim("height")?,
        duration_s,
        fps,
        frame_count,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn parses_ffprobe_json() {
        let j = json!({
            "streams": [
                {"codec_type": "audio", "codec_name": "aac"},
                {"codec_type": "video", "codec_name": "h264", "width": 832, "height": 480,
                 "avg_frame_rate": "16/1", "duration": "5.062500", "nb_frames": "81",
                 "nb_read_packets": "81"}
            ],
            "format": {"format_name": "mov,mp4,m4a,3gp,3g2,mj2", "duration": "5.100000"}
        });
        let info = parse_probe(&j).unwrap();
        assert_eq!((info.width, info.height, info.frame_count), (832, 480, 81));
        assert_eq!(info.fps, 16.0);
        assert_eq!(info.duration_s, 5.0625);
        assert_eq!(info.codec, "h264");
        assert!(info.container.contains("mp4"));
    }

    #[test]
    fn probe_json_without_video_or_fields_is_rejected() {
        assert_eq!(
            parse_probe(&json!({"streams": [{"codec_type": "audio"}]})),
            Err("no video stream".into())
        );
        let no_rate = json!({"streams": [{"codec_type": "video", "width": 1, "height": 1,
            "avg_frame_rate": "0/0", "duration": "1", "nb_frames": "1"}]});
        assert_eq!(parse_probe(&no_rate), Err("no average frame rate".into()));
        let fallback = json!({"streams": [{"codec_type": "video", "width": 1, "height": 1,
            "avg_frame_rate": "25/1", "nb_read_packets": "50"}],
            "format": {"duration": "2.0"}});
        let info = parse_probe(&fallback).unwrap();
        assert_eq!((info.frame_count, info.duration_s), (50, 2.0));
    }
}
