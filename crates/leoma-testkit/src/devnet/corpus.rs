//! The devnet's source corpus: two-shot clips from [`crate::corpus::multi_shot`], each shot long
//! enough for the turn's one-shot clip choice (SPEC §7.2.2: a segment must hold the safe start
//! offset plus the clip).

use std::path::{Path, PathBuf};

use crate::corpus::{ShotKind, multi_shot};
use crate::video::{VideoError, VideoSpec};

const KINDS: [ShotKind; 3] = [ShotKind::Fractal, ShotKind::Life, ShotKind::Bars];

/// Renders `count` clips `clip-<i>.mp4` into `dir` (created if needed), each two shots of
/// `spec.seconds` (so one scene cut), and returns their paths. Needs `ffmpeg` on `PATH`.
pub fn make_corpus(dir: &Path, count: usize, spec: &VideoSpec) -> Result<Vec<PathBuf>, VideoError> {
    std::fs::create_dir_all(dir)?;
    let mut out = Vec::with_capacity(count);
    for i in 0..count {
        let path = dir.join(format!("clip-{i}.mp4"));
        let first = KINDS[i % KINDS.len()];
        let second = KINDS[(i + 1 + i / KINDS.len()) % KINDS.len()];
        multi_shot(
            &path,
            &[(first, spec.seconds), (second, spec.seconds)],
            spec,
        )?;
        out.push(path);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_distinct_clips() {
        let dir = tempfile::tempdir().unwrap();
        let spec = VideoSpec {
            width: 96,
            height: 64,
            fps: 8,
            seconds: 6.0,
        };
        let clips = make_corpus(dir.path(), 4, &spec).unwrap();
        assert_eq!(clips.len(), 4);
        let bytes: Vec<Vec<u8>> = clips.iter().map(|p| std::fs::read(p).unwrap()).collect();
        assert!(bytes.iter().all(|b| b.len() > 1000));
        assert_ne!(bytes[0], bytes[1]);
        assert_ne!(
            bytes[0], bytes[3],
            "a repeated first shot gets another second shot"
        );
    }
}
