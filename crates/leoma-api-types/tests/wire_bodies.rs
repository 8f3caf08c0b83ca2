//! Owner-api bodies (SPEC §3.9, §3.10, §7.10, §9.5, §9.5.1, §9.8): byte layout of the request
//! bodies, limits with their exact error strings, chunked signed batches, and response shapes.
#![allow(
    clippy::unwrap_used,
    clippy::panic,
    reason = "test helpers outside #[test] fns"
)]

mod common;

use common::{other, producer};
use leoma_api_types::TaskId;
use leoma_api_types::owner_api::{
    AddValidatorRequest, BlacklistAddRequest, BlacklistEntry, BodyRejection, ErrorBody,
    HealthResponse, HealthStatus, MinerResponse, OverviewResponse, RemovedResponse,
    RotationIntervalRequest, ValidatorCard, ValidatorDetailResponse, ValidatorMinerPassRate,
    detail,
};
use leoma_api_types::reason::VerdictReason;
use leoma_api_types::samples::{
    BatchScheme, MAX_BATCH_SAMPLES, SampleBatch, SampleContext, SampleSubmission, TEXT_MAX_CHARS,
};
use leoma_api_types::verdict::{
    VerdictEntryV1, VerdictEntryV2, VerdictFileV1, VerdictFileV2, VerdictStatus,
};
use proptest::prelude::*;
use serde_json::json;

const ALICE: &str = "5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY";
const BOB: &str = "5FHneW46xGXgs5mUiveU4sbTyGBzmstUspZC92UhjJM694ty";

fn hotkey(i: usize) -> String {
    let mut public = [0u8; 32];
    public[..8].copy_from_slice(&(i as u64).to_be_bytes());
    leoma_api_types::Hotkey::from_public(public, 42)
        .as_str()
        .to_owned()
}

fn v1_entry(hk: &str, passed: bool, reasoning: &str) -> VerdictEntryV1 {
    VerdictEntryV1 {
        hotkey: hk.into(),
        passed,
        status: VerdictStatus::of_passed(passed),
        confidence: 77,
        reasoning: reasoning.into(),
        latency_ms: 5,
        original_artifacts: "[]".into(),
        generated_artifacts: "{\"overall_score\": 77}".into(),
        presentation_order: "single-video benchmark".into(),
    }
}

fn ctx(prompt: &str) -> SampleContext<'_> {
    SampleContext {
        task_id: TaskId(321),
        s3_bucket: "leoma-res-a",
        prompt,
    }
}

// ---------------------------------------------------------------- sample batch bytes

#[test]
fn v1_batch_body_is_py_default_in_reference_order() {
    let file = VerdictFileV1::signed(vec![v1_entry(ALICE, true, "fine")], &producer()).unwrap();
    let batches = ctx("A dog").batches_v1(&file, &producer());
    assert_eq!(batches.len(), 1);
    let sig = batches[0].signature.clone().unwrap();
    let expected = format!(
        "{{\"samples\": [{{\"task_id\": 321, \"miner_hotkey\": \"{ALICE}\", \"s3_bucket\": \"leoma-res-a\", \
         \"s3_prefix\": \"321\", \"passed\": true, \"prompt\": \"A dog\", \"confidence\": 77, \
         \"reasoning\": \"fine\", \"latency_ms\": 5, \"original_artifacts\": \"[]\", \
         \"generated_artifacts\": \"{{\\\"overall_score\\\": 77}}\", \
         \"presentation_order\": \"single-video benchmark\"}}], \"signature\": \"{sig}\"}}"
    );
    assert_eq!(String::from_utf8(batches[0].to_bytes()).unwrap(), expected);
}

#[test]
fn v2_batch_samples_carry_status_and_reason() {
    let p = producer();
    let file = VerdictFileV2::signed(
        TaskId(321),
        p.hotkey(),
        vec![VerdictEntryV2 {
            hotkey: ALICE.into(),
            passed: false,
            status: VerdictStatus::NotEvaluated,
            reason: Some(VerdictReason::TransportError),
            confidence: None,
            reasoning: "connect failed".into(),
            latency_ms: None,
            original_artifacts: None,
            generated_artifacts: None,
            presentation_order: "single-video benchmark".into(),
        }],
        &p,
    )
    .unwrap();
    let batches = ctx("A dog").batches_v2(&file, &p);
    let body = String::from_utf8(batches[0].to_bytes()).unwrap();
    assert!(
        body.contains(
            "\"confidence\": null, \"reasoning\": \"connect failed\", \"latency_ms\": null, \
             \"original_artifacts\": null, \"generated_artifacts\": null, \
             \"presentation_order\": \"single-video benchmark\", \"status\": \"not_evaluated\", \
             \"reason\": \"transport_error\"}]"
        ),
        "{body}"
    );
    assert_eq!(
        batches[0].verify_signature(&p.hotkey()),
        Some(BatchScheme::V2)
    );
}

// ---------------------------------------------------------------- chunking and signatures

#[test]
fn v1_batches_chunk_by_100_and_each_chunk_verifies() {
    let entries: Vec<VerdictEntryV1> = (0..250)
        .map(|i| v1_entry(&hotkey(i), i % 3 == 0, "r"))
        .collect();
    let p = producer();
    let file = VerdictFileV1::signed(entries, &p).unwrap();
    let batches = ctx("prompt").batches_v1(&file, &p);
    let sizes: Vec<usize> = batches.iter().map(|b| b.samples.len()).collect();
    assert_eq!(sizes, [100, 100, 50]);
    for b in &batches {
        assert_eq!(b.validate(), Ok(()));
        assert_eq!(b.verify_signature(&p.hotkey()), Some(BatchScheme::V1));
        assert_eq!(b.verify_signature(&other().hotkey()), None);
    }
    // Together the chunks carry the file's entries in order.
    let carried: Vec<&str> = batches
        .iter()
        .flat_map(|b| b.samples.iter().map(|s| s.miner_hotkey.as_str()))
        .collect();
    let in_file: Vec<&str> = file.data.iter().map(|e| e.hotkey.as_str()).collect();
    assert_eq!(carried, in_file);
}

#[test]
fn single_untruncated_chunk_signs_the_verdict_file_bytes() {
    let p = producer();
    let file = VerdictFileV1::signed(
        vec![v1_entry(ALICE, true, "a"), v1_entry(BOB, false, "b")],
        &p,
    )
    .unwrap();
    let batch = &ctx("x").batches_v1(&file, &p)[0];
    assert_eq!(batch.canonical_bytes_v1(), file.canonical_bytes());
    // The verdict file's own signature verifies for the batch as well.
    let reused = SampleBatch {
        signature: Some(file.signature.to_string()),
        ..batch.clone()
    };
    assert_eq!(reused.verify_signature(&p.hotkey()), Some(BatchScheme::V1));

    let file2 = VerdictFileV2::signed(
        TaskId(321),
        p.hotkey(),
        vec![VerdictEntryV2 {
            hotkey: ALICE.into(),
            passed: true,
            status: VerdictStatus::Passed,
            reason: None,
            confidence: Some(1),
            reasoning: "r".into(),
            latency_ms: Some(2),
            original_artifacts: Some("[]".into()),
            generated_artifacts: Some("{}".into()),
            presentation_order: "single-video benchmark".into(),
        }],
        &p,
    )
    .unwrap();
    let batch2 = &ctx("x").batches_v2(&file2, &p)[0];
    assert_eq!(
        batch2.canonical_bytes_v2(p.hotkey().as_str()).unwrap(),
        file2.canonical_bytes()
    );
}

#[test]
fn long_prompt_and_reasoning_are_truncated_in_the_api_copy_only() {
    let long: String = "é".repeat(TEXT_MAX_CHARS + 10);
    let p = producer();
    let file = VerdictFileV1::signed(vec![v1_entry(ALICE, true, &long)], &p).unwrap();
    let batch = &ctx(&long).batches_v1(&file, &p)[0];
    let s = &batch.samples[0];
    assert_eq!(s.prompt.chars().count(), TEXT_MAX_CHARS);
    assert_eq!(
        s.reasoning.as_ref().unwrap().chars().count(),
        TEXT_MAX_CHARS
    );
    assert_eq!(file.data[0].reasoning.chars().count(), TEXT_MAX_CHARS + 10);
    assert_eq!(batch.validate(), Ok(()));
    assert_eq!(batch.verify_signature(&p.hotkey()), Some(BatchScheme::V1));
}

#[test]
fn tampered_batch_does_not_verify() {
    let p = producer();
    let file = VerdictFileV1::signed(vec![v1_entry(ALICE, false, "r")], &p).unwrap();
    let mut batch = ctx("x").batches_v1(&file, &p).remove(0);
    batch.samples[0].passed = true;
    assert_eq!(batch.verify_signature(&p.hotkey()), None);
    let mut unsigned = batch.clone();
    unsigned.signature = None;
    assert_eq!(unsigned.verify_signature(&p.hotkey()), None);
    let mut garbage = batch;
    garbage.signature = Some("0xzz".into());
    assert_eq!(garbage.verify_signature(&p.hotkey()), None);
}

#[test]
fn reference_batch_without_status_verifies_as_v1() {
    // A reference sampler's body: parsed by the owner-api with serde, signature from the file.
    let p = producer();
    let file = VerdictFileV1::signed(vec![v1_entry(ALICE, true, "fine")], &p).unwrap();
    let body = json!({
        "samples": [{
            "task_id": 321, "miner_hotkey": ALICE, "s3_bucket": "b", "s3_prefix": "321",
            "passed": true, "prompt": "p", "confidence": 77, "reasoning": "fine",
            "latency_ms": 5, "original_artifacts": "[]",
            "generated_artifacts": "{\"overall_score\": 77}",
            "presentation_order": "single-video benchmark"
        }],
        "signature": file.signature.to_string(),
    });
    let batch: SampleBatch = serde_json::from_value(body).unwrap();
    assert_eq!(batch.rebuild_v2_data(), None);
    assert_eq!(batch.verify_signature(&p.hotkey()), Some(BatchScheme::V1));
}

// ---------------------------------------------------------------- batch limits

fn sample(task_id: i64, miner: &str) -> SampleSubmission {
    serde_json::from_value(json!({
        "task_id": task_id, "miner_hotkey": miner, "s3_bucket": "b", "s3_prefix": task_id.to_string(),
        "passed": false, "prompt": "p"
    }))
    .unwrap()
}

#[test]
fn batch_over_100_samples_is_rejected_with_exact_string() {
    let ok = SampleBatch {
        samples: vec![sample(1, ALICE); MAX_BATCH_SAMPLES],
        signature: None,
    };
    assert_eq!(ok.validate(), Ok(()));
    let over = SampleBatch {
        samples: vec![sample(1, ALICE); MAX_BATCH_SAMPLES + 1],
        signature: None,
    };
    let err = over.validate().unwrap_err();
    assert_eq!(
        err,
        BodyRejection::BadRequest("Batch size exceeds limit of 100 samples")
    );
    assert_eq!(err.status(), 400);
    assert_eq!(
        err.body(),
        json!({"detail": "Batch size exceeds limit of 100 samples"})
    );
}

#[test]
fn signed_batch_needs_one_task_id() {
    let mixed = vec![sample(1, ALICE), sample(2, BOB)];
    let unsigned = SampleBatch {
        samples: mixed.clone(),
        signature: None,
    };
    assert_eq!(unsigned.validate(), Ok(()));
    let signed = SampleBatch {
        samples: mixed,
        signature: Some("0x00".into()),
    };
    assert_eq!(
        signed.validate(),
        Err(BodyRejection::BadRequest(
            "When signature is provided, all samples must have the same task_id"
        ))
    );
    let empty = SampleBatch {
        samples: vec![],
        signature: Some("0x00".into()),
    };
    assert_eq!(empty.validate(), Ok(()));
}

#[test]
fn batch_miner_hotkeys_must_be_ss58() {
    let bad = SampleBatch {
        samples: vec![
            sample(1, ALICE),
            sample(1, "5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQZ"),
        ],
        signature: None,
    };
    assert_eq!(
        bad.validate(),
        Err(BodyRejection::BadRequest("Invalid SS58 address format"))
    );
}

#[test]
fn field_limits_are_422_with_fastapi_shape() {
    let mut s = sample(1, ALICE);
    s.prompt = "x".repeat(TEXT_MAX_CHARS + 1);
    s.confidence = Some(101);
    s.latency_ms = Some(-1);
    s.presentation_order = Some("y".repeat(65));
    let batch = SampleBatch {
        samples: vec![sample(1, ALICE), s],
        signature: Some("z".repeat(257)),
    };
    let err = batch.validate().unwrap_err();
    assert_eq!(err.status(), 422);
    let body = err.body();
    let detail = body["detail"].as_array().unwrap();
    assert_eq!(detail.len(), 5);
    assert_eq!(detail[0]["loc"], json!(["body", "samples", 1, "prompt"]));
    assert_eq!(detail[0]["type"], "string_too_long");
    assert_eq!(
        detail[0]["msg"],
        "String should have at most 4096 characters"
    );
    assert_eq!(
        detail[1]["loc"],
        json!(["body", "samples", 1, "confidence"])
    );
    assert_eq!(detail[1]["type"], "less_than_equal");
    assert_eq!(detail[2]["type"], "greater_than_equal");
    assert_eq!(detail[4]["loc"], json!(["body", "signature"]));
    // Exactly at the limits is fine.
    let mut edge = sample(1, ALICE);
    edge.prompt = "é".repeat(TEXT_MAX_CHARS);
    edge.confidence = Some(100);
    edge.latency_ms = Some(0);
    assert_eq!(
        SampleBatch {
            samples: vec![edge],
            signature: Some("z".repeat(256))
        }
        .validate(),
        Ok(())
    );
}

#[test]
fn single_sample_validation() {
    let mut s = sample(1, ALICE);
    assert_eq!(s.validate(), Ok(()));
    s.evaluation_signature = Some("s".repeat(257));
    assert_eq!(s.validate().unwrap_err().status(), 422);
    let bad = sample(1, "not-ss58");
    assert_eq!(
        bad.validate(),
        Err(BodyRejection::BadRequest(detail::INVALID_SS58))
    );
}

#[test]
fn task_id_range_check() {
    let current = 1000;
    for ok in [0, 1000, 1001] {
        assert_eq!(sample(ok, ALICE).check_task_id(current), Ok(()), "{ok}");
    }
    for bad in [-1, 1002, i64::MAX] {
        assert_eq!(
            sample(bad, ALICE).check_task_id(current),
            Err(BodyRejection::BadRequest("task_id out of range")),
            "{bad}"
        );
    }
    let huge = u64::try_from(i64::MAX).unwrap();
    assert_eq!(sample((1 << 31) - 1, ALICE).check_task_id(huge), Ok(()));
    assert!(sample(1 << 31, ALICE).check_task_id(huge).is_err());
    let batch = SampleBatch {
        samples: vec![sample(1, ALICE), sample(5000, BOB)],
        signature: None,
    };
    assert!(batch.check_task_ids(current).is_err());
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(16))]

    #[test]
    fn prop_every_chunk_of_a_v2_file_verifies(n in 1usize..230, reasoning_len in 0usize..5000) {
        let p = producer();
        let reasoning = "r".repeat(reasoning_len);
        let data: Vec<VerdictEntryV2> = (0..n)
            .map(|i| VerdictEntryV2 {
                hotkey: hotkey(i),
                passed: i % 2 == 0,
                status: VerdictStatus::of_passed(i % 2 == 0),
                reason: None,
                confidence: Some(50),
                reasoning: reasoning.clone(),
                latency_ms: Some(10),
                original_artifacts: Some("[]".into()),
                generated_artifacts: Some("{}".into()),
                presentation_order: "single-video benchmark".into(),
            })
            .collect();
        let file = VerdictFileV2::signed(TaskId(9), p.hotkey(), data, &p).unwrap();
        let batches = ctx("q").batches_v2(&file, &p);
        prop_assert_eq!(batches.len(), n.div_ceil(MAX_BATCH_SAMPLES));
        for b in &batches {
            prop_assert_eq!(b.validate(), Ok(()));
            prop_assert!(b.samples.iter().all(|s| s.task_id == 9));
            prop_assert_eq!(b.verify_signature(&p.hotkey()), Some(BatchScheme::V2));
        }
    }
}

// ---------------------------------------------------------------- response shapes

#[test]
fn optional_fields_serialize_as_null() {
    let m = MinerResponse {
        uid: 4,
        hotkey: ALICE.into(),
        model_name: None,
        model_revision: None,
        model_hash: None,
        chute_id: None,
        chute_slug: None,
        is_valid: false,
        invalid_reason: Some("blacklisted".into()),
        block: None,
        last_validated_at: None,
    };
    assert_eq!(
        serde_json::to_value(&m).unwrap(),
        json!({"uid": 4, "hotkey": ALICE, "model_name": null, "model_revision": null,
               "model_hash": null, "chute_id": null, "chute_slug": null, "is_valid": false,
               "invalid_reason": "blacklisted", "block": null, "last_validated_at": null})
    );
    let o = OverviewResponse {
        active_miners: 1,
        valid_miners: 2,
        total_miners: 3,
        total_validators: 4,
        permissioned_validators: 4,
        rotation_interval: 100,
        current_sampler: None,
        latest_task_id: None,
        window_start: None,
        window_end: None,
    };
    let v = serde_json::to_value(&o).unwrap();
    assert_eq!(v["current_sampler"], serde_json::Value::Null);
    assert_eq!(v.as_object().unwrap().len(), 10);
    let b: BlacklistEntry = serde_json::from_value(json!({"hotkey": ALICE})).unwrap();
    assert_eq!(b.reason, None);
}

#[test]
fn health_and_error_shapes() {
    let h = HealthResponse {
        status: HealthStatus::Degraded,
        version: "0.1.0".into(),
        database: false,
        metagraph_synced: false,
        last_sync: None,
    };
    assert_eq!(
        serde_json::to_string(&h).unwrap(),
        r#"{"status":"degraded","version":"0.1.0","database":false,"metagraph_synced":false,"last_sync":null}"#
    );
    assert_eq!(
        serde_json::to_string(&ErrorBody {
            detail: detail::BODY_TOO_LARGE.into()
        })
        .unwrap(),
        r#"{"detail":"Request body too large"}"#
    );
    assert_eq!(
        detail::timestamp_expired_seconds(300),
        "Timestamp expired (max 300s)"
    );
    assert_eq!(
        detail::timestamp_expired_ms(8000),
        "Timestamp expired (max 8000ms)"
    );
}

#[test]
fn validator_detail_flattens_the_card() {
    let card = ValidatorCard {
        uid: -1,
        hotkey: ALICE.into(),
        stake: 0.0,
        permissioned: false,
        online: false,
        last_sampled_task_id: None,
        last_sampled_at: None,
        tasks_sampled: 0,
        expected_turns: 0,
        participation_rate: 0.0,
        evaluations: 0,
        avg_latency_ms: None,
    };
    let detail = ValidatorDetailResponse {
        card,
        miner_scores: vec![ValidatorMinerPassRate {
            miner_hotkey: BOB.into(),
            pass_rate: 0.5,
            total_samples: 2,
            total_passed: 1,
        }],
    };
    let v = serde_json::to_value(&detail).unwrap();
    assert_eq!(v["uid"], -1);
    assert_eq!(v["miner_scores"][0]["pass_rate"], 0.5);
    assert_eq!(v.as_object().unwrap().len(), 13);
    let back: ValidatorDetailResponse = serde_json::from_value(v).unwrap();
    assert_eq!(back, detail);
}

#[test]
fn removal_messages() {
    let r = RemovedResponse::validator(ALICE, BOB);
    assert_eq!(r.message, "Removed validator 5GrwvaEF... from allowlist");
    assert_eq!(
        serde_json::to_value(&r).unwrap(),
        json!({"success": true, "message": "Removed validator 5GrwvaEF... from allowlist", "removed_by": BOB})
    );
    assert_eq!(
        RemovedResponse::blacklisted_miner(ALICE, BOB).message,
        "Removed miner 5GrwvaEF... from blacklist"
    );
}

#[test]
fn admin_request_validation() {
    let ok: AddValidatorRequest = serde_json::from_value(json!({"hotkey": ALICE})).unwrap();
    assert_eq!(ok.validate().unwrap().as_str(), ALICE);
    let neg: AddValidatorRequest =
        serde_json::from_value(json!({"hotkey": ALICE, "uid": -1, "stake": -0.5})).unwrap();
    match neg.validate() {
        Err(BodyRejection::Unprocessable(issues)) => assert_eq!(issues.len(), 2),
        other => panic!("{other:?}"),
    }
    let empty: AddValidatorRequest = serde_json::from_value(json!({"hotkey": ""})).unwrap();
    assert_eq!(empty.validate().unwrap_err().status(), 422);
    let bad: AddValidatorRequest = serde_json::from_value(json!({"hotkey": "abc"})).unwrap();
    assert_eq!(
        bad.validate().unwrap_err(),
        BodyRejection::BadRequest(detail::INVALID_SS58)
    );

    let bl = BlacklistAddRequest {
        hotkey: ALICE.into(),
        reason: Some("r".repeat(256)),
    };
    assert_eq!(bl.validate().unwrap_err().status(), 422);
    let bl = BlacklistAddRequest {
        hotkey: ALICE.into(),
        reason: None,
    };
    assert!(bl.validate().is_ok());

    assert!(RotationIntervalRequest { interval: 1 }.validate().is_ok());
    for bad in [0, -5] {
        let err = RotationIntervalRequest { interval: bad }
            .validate()
            .unwrap_err();
        assert_eq!(err.body()["detail"][0]["type"], "greater_than");
    }
}
