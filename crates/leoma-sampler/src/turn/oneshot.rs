//! One-shot clip choice (SPEC §7.2.2) and the safe-start rule of §7.2 step 3, on numbers only:
//! the scene cuts come from ffmpeg ([`super::media`]), the randomness from a [`Draw`].

use super::draw::Draw;
use super::settings::SourceSettings;

/// Python's `round(x, 3)`: half-to-even on the exact binary value (Rust's `{:.3}` formatting
/// rounds the same way), read back as the nearest float.
pub fn round3(x: f64) -> f64 {
    format!("{x:.3}").parse().unwrap_or(x)
}

/// Every `pts_time:<number>` in ffmpeg's showinfo output, rounded to 3 decimals, deduplicated,
/// sorted, keeping `0 < cut < duration`.
pub fn parse_scene_cuts(text: &str, duration: f64) -> Vec<f64> {
    let mut cuts: Vec<f64> = text
        .match_indices("pts_time:")
        .filter_map(|(i, m)| {
            let rest = text.get(i + m.len()..)?;
            let end = rest
                .find(|c: char| !(c.is_ascii_digit() || c == '.'))
                .unwrap_or(rest.len());
            rest.get(..end)?.parse::<f64>().ok()
        })
        .map(round3)
        .filter(|c| *c > 0.0 && *c < duration)
        .collect();
    cuts.sort_by(f64::total_cmp);
    cuts.dedup();
    cuts
}

/// A usable one-shot segment `[start, end]` (margins applied).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Segment {
    /// `us`.
    pub start: f64,
    /// `ue`.
    pub end: f64,
}

impl Segment {
    fn span(&self) -> f64 {
        self.end - self.start
    }
}

/// §7.2.2 step 3: segments between consecutive boundaries `[0] + cuts + [duration]`, with the
/// boundary margin inside long segments, kept when at least one clip long. Time order.
pub fn segments(cuts: &[f64], duration: f64, s: &SourceSettings) -> Vec<Segment> {
    let clip = s.clip_duration_s;
    let mut bounds = Vec::with_capacity(cuts.len() + 2);
    bounds.push(0.0);
    bounds.extend_from_slice(cuts);
    bounds.push(duration);
    bounds
        .windows(2)
        .filter_map(|w| match w {
            [a, b] if b > a => {
                let margin = if b - a >= clip + 0.30 {
                    s.boundary_margin_s
                } else {
                    0.0
                };
                let start = if *a > 0.0 { a + margin } else { *a };
                let end = if *b < duration { b - margin } else { *b };
                (end - start >= clip).then_some(Segment { start, end })
            }
            _ => None,
        })
        .collect()
}

/// The clip chosen in one source video.
#[derive(Debug, Clone, PartialEq)]
pub struct ClipChoice {
    /// Clip start after the safe-start rule, rounded to 3 decimals.
    pub start: f64,
    /// The one-shot segment, rounded to 3 decimals.
    pub segment: Segment,
    /// The video's duration (ffprobe).
    pub duration: f64,
    /// The scene cuts found.
    pub cuts: Vec<f64>,
}

/// §7.2.2 steps 1 and 4–5, then §7.2 step 3's safe start. `None` when the video has no usable
/// clip (the caller tries the next key).
pub fn choose(
    duration: f64,
    cuts: Vec<f64>,
    s: &SourceSettings,
    draw: &mut Draw,
) -> Option<ClipChoice> {
    let clip = s.clip_duration_s;
    if duration < clip {
        return None;
    }
    let mut kept = segments(&cuts, duration, s);
    // Stable, as Python's `sorted(..., reverse=True)` on the span.
    kept.sort_by(|a, b| b.span().total_cmp(&a.span()));
    let best = kept.first()?.span();
    let near_best: Vec<Segment> = kept
        .into_iter()
        .filter(|seg| seg.span() >= best - 1.0)
        .collect();
    let seg = *near_best.get(draw.index(near_best.len()))?;
    let start = if seg.end - clip <= seg.start {
        seg.start
    } else {
        draw.uniform(seg.start, seg.end - clip)
    };
    let segment = Segment {
        start: round3(seg.start),
        end: round3(seg.end),
    };
    let safe_start = round3(start).max(segment.start + s.safe_start_offset_s);
    if safe_start > segment.end - clip {
        return None;
    }
    Some(ClipChoice {
        start: round3(safe_start),
        segment,
        duration,
        cuts,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn settings() -> SourceSettings {
        SourceSettings::default()
    }

    #[test]
    fn round3_is_python_round() {
        assert_eq!(round3(0.0625), 0.062);
        assert_eq!(round3(0.0635), 0.064);
        assert_eq!(round3(2.6875), 2.688);
        assert_eq!(round3(1.0005), 1.0);
        assert_eq!(round3(12.3456), 12.346);
    }

    #[test]
    fn scene_cuts_are_parsed_rounded_deduplicated_and_bounded() {
        let out = "[Parsed_showinfo_1 @ 0x1] n:0 pts:1 pts_time:3.00049 pos:1\n\
                   n:1 pts_time:3.0001 x\n pts_time:0 pts_time:12.5 pts_time:1.25\
                   pts_time:abc pts_time:20";
        assert_eq!(parse_scene_cuts(out, 20.0), vec![1.25, 3.0, 12.5]);
        assert!(parse_scene_cuts("nothing", 10.0).is_empty());
    }

    #[test]
    fn margins_apply_only_inside_long_segments() {
        // [0, 4.0] too short; [4.0, 9.2] = 5.2 < 5.3 no margin; [9.2, 20] margin at the cut only.
        let segs = segments(&[4.0, 9.2], 20.0, &settings());
        assert_eq!(
            segs,
            vec![
                Segment {
                    start: 4.0,
                    end: 9.2
                },
                Segment {
                    start: 9.35,
                    end: 20.0
                }
            ]
        );
        // An inner segment of 5.6 s gets the margin on both sides: [1.15, 6.45].
        let segs = segments(&[1.0, 6.6], 8.0, &settings());
        assert_eq!(segs.len(), 1);
        assert!((segs[0].start - 1.15).abs() < 1e-9 && (segs[0].end - 6.45).abs() < 1e-9);
    }

    #[test]
    fn seven_second_single_shot_always_starts_at_two() {
        for seed in 0..20u8 {
            let mut d = Draw::seeded([seed; 32], 1);
            let c = choose(7.0, vec![], &settings(), &mut d).unwrap();
            assert_eq!(c.start, 2.0);
            assert_eq!(
                c.segment,
                Segment {
                    start: 0.0,
                    end: 7.0
                }
            );
        }
    }

    #[test]
    fn no_usable_clip_cases() {
        let mut d = Draw::Os;
        assert!(choose(4.9, vec![], &settings(), &mut d).is_none());
        // 6 s single shot: safe start 2.0 > 6 − 5.
        assert!(choose(6.0, vec![], &settings(), &mut d).is_none());
        // Only short shots.
        assert!(choose(12.0, vec![4.0, 8.0], &settings(), &mut d).is_none());
    }

    proptest! {
        #[test]
        fn chosen_clip_fits_its_segment(
            duration in 5.0f64..120.0,
            raw_cuts in proptest::collection::vec(0.0f64..120.0, 0..8),
            seed in any::<[u8; 32]>(),
        ) {
            let s = settings();
            let cuts: Vec<f64> = {
                let text: String = raw_cuts.iter().map(|c| format!("pts_time:{c} ")).collect();
                parse_scene_cuts(&text, duration)
            };
            let mut d1 = Draw::seeded(seed, 9);
            let mut d2 = Draw::seeded(seed, 9);
            let a = choose(duration, cuts.clone(), &s, &mut d1);
            let b = choose(duration, cuts, &s, &mut d2);
            prop_assert_eq!(&a, &b);
            if let Some(c) = a {
                prop_assert!(c.start >= c.segment.start + s.safe_start_offset_s - 1e-9);
                prop_assert!(c.start + s.clip_duration_s <= c.segment.end + 1e-3);
                prop_assert!(c.segment.end <= duration + 1e-3);
            }
        }
    }
}
