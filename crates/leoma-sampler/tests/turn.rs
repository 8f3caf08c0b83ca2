//! The sampling turn end to end (SPEC §7): memory buckets, FakeChutes miners answering with
//! ffmpeg-made MP4s, the real ffprobe/ffmpeg checks, LocalJudge (or FakeGemini), and a recording
//! reporter. Needs ffmpeg on PATH (apt-get install -y ffmpeg).

mod turn_support;

use leoma_api_types::TaskId;
use leoma_api_types::keys::verdict_key;
use leoma_api_types::metadata::TaskMetadata;
use leoma_api_types::samples::BatchScheme;
use leoma_api_types::verdict::{VerdictStatus, accept_v1, accept_v2};
use leoma_sampler::turn::{PollOutcome, RotationRules};
use leoma_storage::BucketReader;
use leoma_testkit::{ChuteScript, GenerateScript};

use turn_support::*;

/// The block at which `me` (first validator of two) is the primary of rid 7.
const BLOCK: u64 = 7 * 100 + 3;

fn reasons_v2(bytes: &[u8], h: &Harness, rid: u64) -> Vec<(String, VerdictStatus, Option<String>)> {
    let Ok(file) = accept_v2(bytes, TaskId(rid), h.hotkey()) else {
        return vec![(
            "<v2 file rejected>".into(),
            VerdictStatus::NotEvaluated,
            None,
        )];
    };
    file.data
        .iter()
        .map(|e| {
            (
                h.miner_name(&e.hotkey),
                e.status,
                e.reason.map(|r| r.as_wire()),
            )
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn v2_turn_records_every_miner_with_its_reason_and_publishes_verdict_last() {
    let h = Harness::single_shot(RotationRules::V2).await;
    let m = h.standard_miners();
    let mut sampler = h.sampler();
    let out = sampler
        .poll(BLOCK, [9; 32], &h.rotation(), &h.roster(&m))
        .await
        .unwrap();
    assert_eq!(
        out,
        PollOutcome::Produced {
            rid: 7,
            entries: m.len(),
            passed: 1
        }
    );
    let bytes = h
        .own_object(&verdict_key(TaskId(7), h.hotkey().as_str()))
        .await;
    let mut got = reasons_v2(&bytes, &h, 7);
    got.sort();
    let want = |n: &str, s: VerdictStatus, r: Option<&str>| (n.to_owned(), s, r.map(str::to_owned));
    let mut expected = vec![
        want("good", VerdictStatus::Passed, None),
        want(
            "wrong_resolution",
            VerdictStatus::Failed,
            Some("resolution_mismatch"),
        ),
        want("too_large", VerdictStatus::Failed, Some("video_too_large")),
        want(
            "undecodable",
            VerdictStatus::Failed,
            Some("video_unreadable"),
        ),
        want("frozen", VerdictStatus::Failed, Some("frozen_video")),
        want(
            "copycat",
            VerdictStatus::Failed,
            Some("near_copy_of_source"),
        ),
        want("http500", VerdictStatus::Failed, Some("chute_http_500")),
        want("slow", VerdictStatus::Failed, Some("chute_timeout")),
        want("cold", VerdictStatus::Failed, Some("chute_not_hot")),
        want(
            "no_info",
            VerdictStatus::NotEvaluated,
            Some("chute_info_unavailable"),
        ),
    ];
    expected.sort();
    assert_eq!(got, expected);

    // §7.8: clip, frame, metadata, generated videos, verdict file last.
    let puts = h.own.puts();
    let last = puts.last().unwrap();
    assert!(last.ends_with(&format!("evaluation_results/{}.json", h.hotkey().as_str())));
    assert_eq!(
        &puts[..3],
        [
            "7/original_clip.mp4",
            "7/first_frame.png",
            "7/metadata.json"
        ]
    );
    let videos: Vec<&String> = puts
        .iter()
        .filter(|k| k.contains("generated_videos/"))
        .collect();
    assert_eq!(
        videos.len(),
        3,
        "good, frozen and copycat delivered valid videos: {puts:?}"
    );

    let meta = TaskMetadata::parse(&h.own_object("7/metadata.json").await).unwrap();
    assert_eq!(meta.source.key, "2026/01/single.mp4");
    assert_eq!(meta.source.clip_start_seconds, 2.0);
    assert_eq!(meta.miners.len(), 3);
    let raw: serde_json::Value =
        serde_json::from_slice(&h.own_object("7/metadata.json").await).unwrap();
    assert_eq!(raw["clip_selection"]["seed_block"], BLOCK);
    assert_eq!(
        raw["clip_selection"]["seed_block_hash"],
        format!("0x{}", "09".repeat(32))
    );

    // Each miner was called once; the dual report carries every entry in one signed chunk.
    assert_eq!(h.chutes.generate_calls("slug-good"), 1);
    let batches = h.reporter.batches();
    assert_eq!(batches.len(), 1);
    assert_eq!(batches[0].samples.len(), m.len());
    assert_eq!(
        batches[0].verify_signature(h.hotkey()),
        Some(BatchScheme::V2)
    );
    assert!(h.temp_root_is_empty(), "turn temp files left behind");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn v1_turn_writes_entries_only_for_scored_miners_and_signs_them() {
    let h = Harness::single_shot(RotationRules::V1).await;
    let m = h.standard_miners();
    let mut sampler = h.sampler();
    let out = sampler
        .poll(BLOCK, [0; 32], &h.rotation(), &h.roster(&m))
        .await
        .unwrap();
    assert_eq!(
        out,
        PollOutcome::Produced {
            rid: 7,
            entries: 3,
            passed: 1
        }
    );
    let bytes = h
        .own_object(&verdict_key(TaskId(7), h.hotkey().as_str()))
        .await;
    let accepted = accept_v1(&bytes, h.hotkey().as_str()).unwrap();
    assert!(accepted.signature.is_verified());
    let mut got: Vec<(String, bool)> = accepted
        .entries
        .iter()
        .map(|(hk, p)| (h.miner_name(hk), *p))
        .collect();
    got.sort();
    assert_eq!(
        got,
        vec![
            ("copycat".to_owned(), false),
            ("frozen".to_owned(), false),
            ("good".to_owned(), true)
        ]
    );
    let batches = h.reporter.batches();
    assert_eq!(batches.len(), 1);
    assert_eq!(
        batches[0].verify_signature(h.hotkey()),
        Some(BatchScheme::V1)
    );
    let raw: serde_json::Value =
        serde_json::from_slice(&h.own_object("7/metadata.json").await).unwrap();
    assert!(raw.get("clip_selection").is_none());
}

/// A judge that answers only once the turn's metadata is in the own bucket (or gives up after
/// a few seconds): the artifacts must go up while the judge is still working.
struct WaitsForMetadata {
    own: std::sync::Arc<RecordingBucket>,
    inner: leoma_eval::LocalJudge,
}

#[async_trait::async_trait]
impl leoma_eval::Judge for WaitsForMetadata {
    async fn judge(
        &self,
        request: &leoma_eval::JudgeRequest<'_>,
    ) -> Result<leoma_eval::JudgeOutcome, leoma_eval::EvalError> {
        for _ in 0..100 {
            if self.own.puts().iter().any(|k| k == "7/metadata.json") {
                return self.inner.judge(request).await;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        Err(leoma_eval::EvalError::InvalidInput(
            "metadata was not uploaded while judging".into(),
        ))
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn artifacts_are_uploaded_while_the_judge_is_still_working() {
    let h = Harness::single_shot(RotationRules::V2).await;
    let m = h.standard_miners();
    let mut services = h.services();
    services.judge = std::sync::Arc::new(WaitsForMetadata {
        own: h.own.clone(),
        inner: leoma_eval::LocalJudge::default(),
    });
    let mut sampler =
        leoma_sampler::turn::Sampler::new(services, h.settings.clone(), h.state_dir.clone())
            .unwrap();
    let out = sampler
        .poll(BLOCK, [9; 32], &h.rotation(), &h.roster(&m))
        .await
        .unwrap();
    assert!(
        matches!(out, PollOutcome::Produced { passed: 1, .. }),
        "{out:?}"
    );
    let bytes = h
        .own_object(&verdict_key(TaskId(7), h.hotkey().as_str()))
        .await;
    let good = reasons_v2(&bytes, &h, 7)
        .into_iter()
        .find(|(name, ..)| name == "good");
    assert_eq!(good, Some(("good".into(), VerdictStatus::Passed, None)));
    let puts = h.own.puts();
    assert!(
        puts.last().unwrap().contains("evaluation_results/"),
        "{puts:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn restart_with_an_existing_verdict_file_calls_no_miner() {
    let h = Harness::single_shot(RotationRules::V2).await;
    let m = vec![h.miner(
        "good",
        ChuteScript::hot("slug-good", "m", "r"),
        GenerateScript::Status(500),
    )];
    let roster = h.roster(&m);
    let mut first = h.sampler();
    let out = first
        .poll(BLOCK, [1; 32], &h.rotation(), &roster)
        .await
        .unwrap();
    assert!(matches!(out, PollOutcome::Produced { .. }), "{out:?}");
    assert_eq!(h.chutes.total_generate_calls(), 1);
    // Same process: remembered.
    let again = first
        .poll(BLOCK + 1, [1; 32], &h.rotation(), &roster)
        .await
        .unwrap();
    assert_eq!(again, PollOutcome::AlreadyDone { rid: 7 });
    // A new process on the same state and bucket: the own file is found first.
    let mut restarted = h.sampler();
    let out = restarted
        .poll(BLOCK + 2, [1; 32], &h.rotation(), &roster)
        .await
        .unwrap();
    assert_eq!(out, PollOutcome::AlreadyDone { rid: 7 });
    assert_eq!(h.chutes.total_generate_calls(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn not_my_turn_does_nothing() {
    let h = Harness::single_shot(RotationRules::V2).await;
    let m = vec![h.miner(
        "good",
        ChuteScript::hot("slug-good", "m", "r"),
        GenerateScript::Status(500),
    )];
    let mut sampler = h.sampler();
    // rid 8: primary is the other validator; offset 10 < grace 50.
    let out = sampler
        .poll(810, [1; 32], &h.rotation(), &h.roster(&m))
        .await
        .unwrap();
    assert_eq!(out, PollOutcome::NotMyTurn { rid: 8 });
    assert_eq!(h.chutes.total_generate_calls(), 0);
    assert!(h.own.puts().is_empty());
    // Past the grace without the primary's file, failover makes it ours.
    let out = sampler
        .poll(860, [1; 32], &h.rotation(), &h.roster(&m))
        .await
        .unwrap();
    assert!(
        matches!(out, PollOutcome::Produced { rid: 8, .. }),
        "{out:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_valid_miners_skips_the_turn() {
    let h = Harness::single_shot(RotationRules::V1).await;
    let mut sampler = h.sampler();
    let out = sampler
        .poll(BLOCK, [1; 32], &h.rotation(), &h.roster(&[]))
        .await
        .unwrap();
    assert_eq!(
        out,
        PollOutcome::Skipped {
            rid: 7,
            reason: "no valid miners".into()
        }
    );
    assert!(h.own.puts().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn v2_clip_choice_is_identical_for_two_samplers_with_the_same_block_hash() {
    let a = Harness::multi_shot(RotationRules::V2).await;
    let b = a.sibling().await;
    let m = vec![a.miner(
        "x",
        ChuteScript::hot("slug-x", "m", "r"),
        GenerateScript::Status(503),
    )];
    let mut sa = a.sampler();
    let mut sb = b.sampler();
    // Both samplers have used other clips before: v2 ignores the local history.
    b.state_history(&["2026/01/shots-0.mp4", "2026/01/shots-1.mp4"]);
    sa.poll(BLOCK, [42; 32], &a.rotation(), &a.roster(&m))
        .await
        .unwrap();
    sb.poll(BLOCK, [42; 32], &b.rotation(), &b.roster(&m))
        .await
        .unwrap();
    let ma = TaskMetadata::parse(&a.own_object("7/metadata.json").await).unwrap();
    let mb = TaskMetadata::parse(&b.own_object("7/metadata.json").await).unwrap();
    assert_eq!(ma.source, mb.source);
    // The clip lies inside one shot (cuts at 3 s and 11 s), away from the cut by the margin.
    assert_eq!(ma.source.scene_cut_count, 2);
    assert!(
        ma.source.clip_start_seconds >= 3.15 + 2.0 - 1e-9,
        "{:?}",
        ma.source
    );
    assert!(
        ma.source.clip_start_seconds + 5.0 <= 10.85 + 1e-9,
        "{:?}",
        ma.source
    );
    // Same source, same start, same ffmpeg command: the same clip and the same first frame.
    assert_eq!(
        a.own_object("7/first_frame.png").await,
        b.own_object("7/first_frame.png").await
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dual_report_is_chunked_by_100_with_a_signature_per_chunk() {
    let h = Harness::single_shot(RotationRules::V2).await;
    let m: Vec<_> = (0..105)
        .map(|i| {
            h.miner(
                &format!("m{i:03}"),
                ChuteScript::hot(&format!("slug-{i}"), "m", "r"),
                GenerateScript::Status(502),
            )
        })
        .collect();
    let mut sampler = h.sampler();
    let out = sampler
        .poll(BLOCK, [3; 32], &h.rotation(), &h.roster(&m))
        .await
        .unwrap();
    assert_eq!(
        out,
        PollOutcome::Produced {
            rid: 7,
            entries: 105,
            passed: 0
        }
    );
    let batches = h.reporter.batches();
    assert_eq!(
        batches.iter().map(|b| b.samples.len()).collect::<Vec<_>>(),
        vec![100, 5]
    );
    for b in &batches {
        assert_eq!(b.verify_signature(h.hotkey()), Some(BatchScheme::V2));
        assert!(
            b.samples
                .iter()
                .all(|s| s.reason.as_deref() == Some("chute_http_502"))
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failed_attempts_reuse_the_videos_and_are_capped() {
    let h = Harness::single_shot(RotationRules::V2).await;
    let m = vec![h.miner(
        "good",
        ChuteScript::hot("slug-good", "m", "r"),
        GenerateScript::Status(500),
    )];
    let roster = h.roster(&m);
    h.own.fail_puts(true);
    let mut sampler = h.sampler();
    for attempt in 0..3 {
        let r = sampler
            .poll(BLOCK + attempt, [1; 32], &h.rotation(), &roster)
            .await;
        assert!(r.is_err(), "attempt {attempt}: {r:?}");
    }
    // The miner was called once; the retries reused its result.
    assert_eq!(h.chutes.total_generate_calls(), 1);
    // A restart does not reset the count: the task is abandoned.
    h.own.fail_puts(false);
    let mut restarted = h.sampler();
    let out = restarted
        .poll(BLOCK + 5, [1; 32], &h.rotation(), &roster)
        .await
        .unwrap();
    assert!(
        matches!(out, PollOutcome::Skipped { rid: 7, .. }),
        "{out:?}"
    );
    assert!(h.temp_root_is_empty());
    assert!(
        !h.own
            .exists(&verdict_key(TaskId(7), h.hotkey().as_str()))
            .await
            .unwrap()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn gemini_judge_failures_map_to_judge_reasons() {
    let h = Harness::single_shot_with_gemini(RotationRules::V2).await;
    let m = vec![h.miner(
        "good",
        ChuteScript::hot("slug-good", "m", "r"),
        h.good_renderer(),
    )];
    // Description, then three unparseable judge replies.
    h.gemini_push(&[
        "A test pattern scrolls sideways.",
        "not json",
        "still not",
        "{truncated",
    ]);
    let mut sampler = h.sampler();
    let out = sampler
        .poll(BLOCK, [1; 32], &h.rotation(), &h.roster(&m))
        .await
        .unwrap();
    assert!(
        matches!(
            out,
            PollOutcome::Produced {
                entries: 1,
                passed: 0,
                ..
            }
        ),
        "{out:?}"
    );
    let bytes = h
        .own_object(&verdict_key(TaskId(7), h.hotkey().as_str()))
        .await;
    assert_eq!(
        reasons_v2(&bytes, &h, 7),
        vec![(
            "good".to_owned(),
            VerdictStatus::Failed,
            Some("judge_unparseable".to_owned())
        )]
    );
}
