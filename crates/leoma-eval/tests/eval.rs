//! Videos made with ffmpeg through the assessor, and the Gemini adapter against the fake.

#![allow(clippy::unwrap_used, clippy::panic)] // test helpers outside #[test] functions

use std::sync::Arc;
use std::time::Duration;

use leoma_api_types::keys::Secret;
use leoma_eval::{
    AssessSettings, FfmpegProbe, GeminiConfig, GeminiHttp, Judge, JudgeOutcome, JudgeRequest,
    RetryPolicy, SourceMedia, VideoAssessor,
};
use leoma_testkit::video::{self, VideoSpec};
use leoma_testkit::{FakeGemini, GeminiReply};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ffmpeg_videos_get_the_expected_verdicts() {
    let dir = tempfile::tempdir().unwrap();
    let p = |n: &str| dir.path().join(n);
    let spec = VideoSpec::default();
    video::source_clip(&p("clip.mp4"), &spec).unwrap();
    video::first_frame_png(&p("clip.mp4"), &p("first.png")).unwrap();
    video::animate_from_frame(&p("first.png"), &p("good.mp4"), &spec).unwrap();
    video::still_from_frame(&p("first.png"), &p("frozen.mp4"), &spec).unwrap();
    video::pattern(
        &p("small.mp4"),
        &VideoSpec {
            width: 640,
            height: 360,
            ..spec
        },
    )
    .unwrap();
    video::pattern(
        &p("long.mp4"),
        &VideoSpec {
            seconds: 13.0,
            ..spec
        },
    )
    .unwrap();
    video::garbage(&p("junk.mp4"), 50_000).unwrap();
    let assessor = VideoAssessor::new(Arc::new(FfmpegProbe::default()), AssessSettings::default());
    let source = SourceMedia {
        first_frame: &p("first.png"),
        clip: Some((&p("clip.mp4"), 81.0 / 16.0)),
    };
    let source = &assessor.prepare(source).await.unwrap();
    let code = |a: &leoma_eval::Assessment| a.verdict.as_ref().err().map(|r| r.code().as_wire());
    let good = assessor.assess(&p("good.mp4"), source).await.unwrap();
    assert_eq!(code(&good), None, "{good:?}");
    let m = good.metrics.unwrap();
    assert!(
        m.first_frame_psnr_db > 25.0 && m.first_frame_ssim > 0.8,
        "{m:?}"
    );
    for (file, want) in [
        ("clip.mp4", "near_copy_of_source"),
        ("frozen.mp4", "frozen_video"),
        ("small.mp4", "resolution_mismatch"),
        ("long.mp4", "duration_out_of_range"),
        ("junk.mp4", "video_unreadable"),
    ] {
        let a = assessor.assess(&p(file), source).await.unwrap();
        assert_eq!(code(&a).as_deref(), Some(want), "{file}");
    }
    let mut tiny = AssessSettings::default();
    tiny.limits.max_bytes = 1000;
    let a = VideoAssessor::new(Arc::new(FfmpegProbe::default()), tiny)
        .assess(&p("good.mp4"), source)
        .await
        .unwrap();
    assert_eq!(code(&a).as_deref(), Some("video_too_large"));
}

fn gemini(base: &str) -> GeminiHttp {
    let mut c = GeminiConfig::new(base, Secret::new("gk"));
    c.judge.retry = RetryPolicy::immediate(3);
    c.describe.retry = RetryPolicy::immediate(3);
    c.request_timeout = Duration::from_secs(5);
    GeminiHttp::new(c).unwrap()
}

const GOOD: &str = r#"```json
{"overall_score": 81, "confidence": 90, "aspect_scores": {"first_frame_fidelity": 85,
"prompt_adherence": 80, "motion_quality": 78, "temporal_consistency": 82, "visual_quality": 80,
"camera_composition": 75}, "major_issues": [], "strengths": ["smooth"], "reasoning": " ok "}
```"#;

#[tokio::test]
async fn judge_request_shape_retries_and_fail_closed() {
    let fake = FakeGemini::start("gk", GeminiReply::Text(GOOD.into()))
        .await
        .unwrap();
    fake.push_replies([
        GeminiReply::Status(503),
        GeminiReply::Text("{\"overall_score\": 8".into()),
    ]);
    let judge = gemini(&fake.base_url());
    let req = JudgeRequest {
        prompt: "a cat",
        first_frame_png: b"png",
        video_mp4: b"mp4",
        metrics: None,
    };
    let out = judge.judge(&req).await.unwrap();
    let JudgeOutcome::Judged(r) = out else {
        panic!("{out:?}")
    };
    assert!(r.passed);
    assert_eq!(r.reasoning, "ok");
    let calls = fake.calls();
    assert_eq!(calls.len(), 3);
    let parts = &calls[2].body["contents"][0]["parts"];
    assert_eq!(parts[1]["text"], "CONDITIONING FIRST FRAME:");
    assert_eq!(parts[2]["inlineData"]["mimeType"], "image/png");
    assert_eq!(parts[4]["inlineData"]["mimeType"], "video/mp4");
    assert_eq!(parts[4]["videoMetadata"]["fps"], 16);
    assert_eq!(
        calls[2].body["generationConfig"]["responseMimeType"],
        "application/json"
    );
    assert_eq!(calls[2].model, "gemini-3.1-flash-lite");
    // Three unparseable replies → fail-closed outcome.
    fake.push_replies([
        GeminiReply::Text("nope".into()),
        GeminiReply::Text("[1]".into()),
        GeminiReply::Text("{\"a\": NaN}".into()),
    ]);
    let out = judge.judge(&req).await.unwrap();
    assert!(matches!(out, JudgeOutcome::Unparseable { .. }), "{out:?}");
    assert!(
        out.result()
            .reasoning
            .starts_with("Parse error: {\"a\": NaN}")
    );
    // A 400 is not retried and is an error.
    fake.push_replies([GeminiReply::Status(400)]);
    let before = fake.calls().len();
    assert!(judge.judge(&req).await.is_err());
    assert_eq!(fake.calls().len(), before + 1);
}

#[tokio::test]
async fn large_videos_use_the_resumable_upload() {
    let fake = FakeGemini::start("gk", GeminiReply::Text(GOOD.into()))
        .await
        .unwrap();
    let mut c = GeminiConfig::new(fake.base_url(), Secret::new("gk"));
    c.inline_limit_bytes = 1000;
    c.upload_poll_interval = Duration::from_millis(10);
    let judge = GeminiHttp::new(c).unwrap();
    let video = vec![7u8; 5000];
    let req = JudgeRequest {
        prompt: "p",
        first_frame_png: b"png",
        video_mp4: &video,
        metrics: None,
    };
    assert!(matches!(
        judge.judge(&req).await.unwrap(),
        JudgeOutcome::Judged(_)
    ));
    assert_eq!(fake.uploads(), vec![("video/mp4".to_owned(), 5000, true)]);
    let parts = &fake.calls()[0].body["contents"][0]["parts"];
    assert_eq!(parts[4]["fileData"]["mimeType"], "video/mp4");
}
