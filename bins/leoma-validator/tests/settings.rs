//! The tuning and policy settings of `sampler` and `serve` as a process sees them (SPEC §10.1,
//! §10.2): environment variables reach `--print-config`, and an unusable value exits 2 with an
//! error naming the variable, before anything is opened.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::process::{Command, Output};

fn run(sub: &str, env: &[(&str, &str)]) -> Output {
    let dir = tempfile::tempdir().unwrap();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_leoma-validator"));
    cmd.args([sub, "--print-config"])
        .current_dir(dir.path())
        .env_clear();
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().unwrap()
}

#[test]
fn print_config_shows_tuning_from_the_environment() {
    for sub in ["sampler", "serve"] {
        let out = run(
            sub,
            &[
                ("NEAR_COPY_MAX_HAMMING", "9"),
                ("EVALUATION_RETRY_BACKOFF_S", "2,4,8"),
                ("API_AUTH_SCHEME", "epistula"),
                ("OWN_BUCKET_RETENTION_BLOCKS", "40000"),
                ("VIDEO_CHECK_CONCURRENCY", "3"),
                ("DOMINANCE_THRESHOLD", "0.1"),
            ],
        );
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "{sub}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        for want in [
            "near_copy_max_hamming: 9,",
            "evaluation_retry_backoff_s: \"2,4,8\",",
            "api_auth_scheme: Epistula,",
            "own_bucket_retention_blocks: 40000,",
            "video_check_concurrency: 3,",
            "dominance_threshold: 0.1,",
            // Defaults from SPEC §10.2.
            "min_video_size: 1000000,",
            "miner_video_max_bytes: 16777216,",
            "evaluation_model: \"gemini-3.1-flash-lite\",",
            "frozen_max_mean_abs_diff: 1.5,",
            "gemini_inline_limit_bytes: 20000000,",
            "source_listing_ttl: 600,",
        ] {
            assert!(stdout.contains(want), "{sub}: {want} missing:\n{stdout}");
        }
    }
}

#[test]
fn bad_values_exit_2_naming_the_variable() {
    for (env, var) in [
        (
            vec![("NEAR_COPY_MIN_FRACTION", "1.5")],
            "NEAR_COPY_MIN_FRACTION",
        ),
        (
            vec![("NEAR_COPY_MAX_HAMMING", "many")],
            "NEAR_COPY_MAX_HAMMING",
        ),
        (
            vec![("EVALUATION_RETRY_BACKOFF_S", "5;15")],
            "EVALUATION_RETRY_BACKOFF_S",
        ),
        (
            vec![("MINER_VIDEO_MIN_FPS", "30"), ("MINER_VIDEO_MAX_FPS", "24")],
            "MINER_VIDEO_MIN_FPS",
        ),
        (vec![("API_AUTH_SCHEME", "basic")], "API_AUTH_SCHEME"),
        (
            vec![("OWN_BUCKET_RETENTION_BLOCKS", "1000")],
            "SCORER_MAX_LOOKBACK_BLOCKS",
        ),
        (vec![("DOMINANCE_THRESHOLD", "2")], "DOMINANCE_THRESHOLD"),
    ] {
        for sub in ["sampler", "serve"] {
            let out = run(sub, &env);
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert_eq!(out.status.code(), Some(2), "{sub} {env:?}: {stderr}");
            assert!(stderr.contains(var), "{sub} {env:?}: {stderr}");
            assert!(out.stdout.is_empty(), "{sub} {env:?} printed a config");
        }
    }
}
