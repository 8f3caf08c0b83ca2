//! Source selection (SPEC §7.2): the cached listing of the source bucket, the candidate order
//! (v1: history-filtered and shuffled by the CSPRNG; v2: every candidate, shuffled by the
//! block-hash stream), and the walk over candidates until one yields a one-shot clip.

use std::path::{Path, PathBuf};
use std::time::Instant;

use leoma_storage::BucketReader;

use super::draw::Draw;
use super::error::TurnError;
use super::media::MediaTools;
use super::oneshot::{ClipChoice, choose, parse_scene_cuts};
use super::settings::SourceSettings;
use super::state::trimmed_history;

/// The source listing, cached for `SOURCE_LISTING_TTL`.
#[derive(Debug, Default)]
pub struct SourceCatalog {
    cached: Option<(Instant, Vec<String>)>,
}

impl SourceCatalog {
    /// Candidate keys: ending in `.mp4` with `min < size < max`, sorted by key.
    pub async fn candidates(
        &mut self,
        source: &dyn BucketReader,
        s: &SourceSettings,
    ) -> Result<Vec<String>, TurnError> {
        if let Some((at, keys)) = &self.cached
            && at.elapsed() < s.listing_ttl
        {
            return Ok(keys.clone());
        }
        let mut keys: Vec<String> = source
            .list_objects("")
            .await?
            .into_iter()
            .filter(|o| {
                o.key.ends_with(".mp4") && o.size > s.min_video_size && o.size < s.max_video_size
            })
            .map(|o| o.key)
            .collect();
        keys.sort();
        self.cached = Some((Instant::now(), keys.clone()));
        Ok(keys)
    }
}

/// The order in which candidates are tried. v1 (§7.2 step 2): drop used keys; if none remain,
/// trim the history (last 5 if at least 5, else empty) and retry; if still none, use all; shuffle.
/// v2: the sorted candidates shuffled by the seeded stream (the history is not consulted, so
/// every peer derives the same order).
pub fn order_candidates(
    candidates: &[String],
    used: &mut Vec<String>,
    draw: &mut Draw,
    v2: bool,
) -> Vec<String> {
    let mut keys = if v2 {
        candidates.to_vec()
    } else {
        let fresh = |used: &[String]| -> Vec<String> {
            candidates
                .iter()
                .filter(|k| !used.contains(k))
                .cloned()
                .collect()
        };
        let mut keys = fresh(used);
        if keys.is_empty() {
            *used = trimmed_history(used);
            keys = fresh(used);
        }
        if keys.is_empty() {
            keys = candidates.to_vec();
        }
        keys
    };
    draw.shuffle(&mut keys);
    keys
}

/// A source video with its chosen clip, downloaded into the turn's directory.
#[derive(Debug, Clone)]
pub struct PickedSource {
    /// Its key in the source bucket.
    pub key: String,
    /// The downloaded file.
    pub path: PathBuf,
    /// The clip choice.
    pub choice: ClipChoice,
}

/// §7.2 step 3: tries `keys` in order (at most `max_keys_tried`), downloading each under `dir`
/// (capped at `MAX_VIDEO_SIZE`) and choosing a one-shot clip; any error moves on to the next key.
pub async fn pick(
    source: &dyn BucketReader,
    keys: &[String],
    dir: &Path,
    tools: &MediaTools,
    s: &SourceSettings,
    draw: &mut Draw,
) -> Option<PickedSource> {
    let cap = usize::try_from(s.max_video_size).unwrap_or(usize::MAX);
    for (i, key) in keys.iter().take(s.max_keys_tried.max(1)).enumerate() {
        let path = dir.join(format!("source-{i}.mp4"));
        match try_key(source, key, &path, tools, s, draw, cap).await {
            Ok(Some(choice)) => {
                return Some(PickedSource {
                    key: key.clone(),
                    path,
                    choice,
                });
            }
            Ok(None) => tracing::debug!(key = %key, "no usable one-shot clip"),
            Err(e) => tracing::warn!(key = %key, error = %e, "source video skipped"),
        }
        let _ = tokio::fs::remove_file(&path).await;
    }
    None
}

async fn try_key(
    source: &dyn BucketReader,
    key: &str,
    path: &Path,
    tools: &MediaTools,
    s: &SourceSettings,
    draw: &mut Draw,
    cap: usize,
) -> Result<Option<ClipChoice>, TurnError> {
    let Some(bytes) = source.get(key, cap).await? else {
        return Ok(None);
    };
    tokio::fs::write(path, bytes)
        .await
        .map_err(|e| TurnError::io(path, e))?;
    let duration = tools.duration(path).await?;
    if duration < s.clip_duration_s {
        return Ok(None);
    }
    let report = tools.scene_report(path, s.scene_threshold).await?;
    let cuts = parse_scene_cuts(&report, duration);
    Ok(choose(duration, cuts, s, draw))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(n: usize) -> Vec<String> {
        (0..n).map(|i| format!("2026/01/{i}.mp4")).collect()
    }

    #[test]
    fn v1_drops_used_then_trims_then_uses_all() {
        let c = keys(6);
        let mut used = vec![c[0].clone(), c[1].clone()];
        let order = order_candidates(&c, &mut used, &mut Draw::Os, false);
        assert_eq!(order.len(), 4);
        assert!(!order.contains(&c[0]) && !order.contains(&c[1]));

        // Everything used, at least 5: keep the last 5 in history, the oldest comes back.
        let mut used = c.clone();
        let order = order_candidates(&c, &mut used, &mut Draw::Os, false);
        assert_eq!(order, vec![c[0].clone()]);
        assert_eq!(used, c[1..].to_vec());

        // Fewer than 5 used and all used: history cleared, every candidate.
        let small = keys(3);
        let mut used = small.clone();
        let mut order = order_candidates(&small, &mut used, &mut Draw::Os, false);
        order.sort();
        assert_eq!(order, small);
        assert!(used.is_empty());
    }

    #[test]
    fn v2_order_depends_only_on_the_seed() {
        let c = keys(30);
        let mut used_a = vec![c[3].clone()];
        let mut used_b = Vec::new();
        let a = order_candidates(&c, &mut used_a, &mut Draw::seeded([5; 32], 77), true);
        let b = order_candidates(&c, &mut used_b, &mut Draw::seeded([5; 32], 77), true);
        let other = order_candidates(&c, &mut used_b, &mut Draw::seeded([6; 32], 77), true);
        assert_eq!(a, b);
        assert_ne!(a, other);
        assert_eq!(a.len(), 30);
    }
}
