//! The store suite, run against SQLite and PostgreSQL alike (SPEC §9.6).

use leoma_api_types::report::MinerReportEntry;
use leoma_api_types::samples::SampleSubmission;
use leoma_owner_api::store::{
    MinerRankRow, RankScoreRow, SampleFilter, Store, StoreError, TaskRankRow,
};
use leoma_scoring::tally::MinerConsensus;

use crate::support::*;

const T0: &str = "2026-01-01T00:00:00.000000+00:00";
const T1: &str = "2026-01-01T00:05:00.000000+00:00";

pub(crate) fn sample(
    task: i64,
    miner: &str,
    passed: bool,
    latency: Option<i64>,
) -> SampleSubmission {
    SampleSubmission {
        task_id: task,
        miner_hotkey: miner.to_owned(),
        s3_bucket: "bucket".into(),
        s3_prefix: task.to_string(),
        passed,
        prompt: "a cat".into(),
        confidence: Some(80),
        reasoning: Some("ok".into()),
        latency_ms: latency,
        original_artifacts: None,
        generated_artifacts: Some(
            r#"{"aspect_scores": {"motion": 7.9}, "overall_score": 81.5}"#.into(),
        ),
        presentation_order: None,
        status: None,
        reason: None,
        evaluation_signature: None,
    }
}

fn consensus(uid: i64, miner: &str, valid: bool) -> MinerConsensus {
    MinerConsensus {
        miner_hotkey: miner.to_owned(),
        uid,
        block: Some(100 + uid),
        model_name: Some("org/model".into()),
        model_revision: Some("abc".into()),
        model_hash: None,
        chute_id: Some(format!("chute-{uid}")),
        chute_slug: None,
        is_valid: valid,
        invalid_reason: (!valid).then(|| "bad".to_owned()),
        reporters: 1,
        valid_votes: usize::from(valid),
    }
}

async fn suite(db: Db) {
    let s = db.store().await;
    s.ping().await.unwrap();
    // Migrations are idempotent.
    s.migrate().await.unwrap();

    // Validators: upsert by uid, conflict on a hotkey held by another uid, delete.
    s.upsert_validator(1, &hk(2), 3.5, T0).await.unwrap();
    s.upsert_validator(1, &hk(2), 4.0, T0).await.unwrap();
    assert!(matches!(
        s.upsert_validator(2, &hk(2), 1.0, T0).await,
        Err(StoreError::Conflict(_))
    ));
    let v = s.validator(&hk(2)).await.unwrap().unwrap();
    assert_eq!((v.uid, v.stake, v.last_seen_at), (1, 4.0, None));
    s.touch_validator(&hk(2), T1).await.unwrap();
    assert_eq!(
        s.validator(&hk(2))
            .await
            .unwrap()
            .unwrap()
            .last_seen_at
            .as_deref(),
        Some(T1)
    );
    s.set_validator_stake(&hk(2), 9.0).await.unwrap();
    assert_eq!(s.validators(10).await.unwrap()[0].stake, 9.0);
    assert!(s.delete_validator(&hk(2)).await.unwrap());
    assert!(!s.delete_validator(&hk(2)).await.unwrap());

    // Blacklist upsert overwrites reason and added_by.
    s.upsert_blacklist(&hk(7), Some("spam"), Some("admin1"), T0)
        .await
        .unwrap();
    let e = s
        .upsert_blacklist(&hk(7), None, Some("admin2"), T1)
        .await
        .unwrap();
    assert_eq!(
        (e.reason, e.added_by.as_deref(), e.created_at.as_deref()),
        (None, Some("admin2"), Some(T0))
    );
    assert_eq!(s.blacklist(10).await.unwrap().len(), 1);
    assert!(s.delete_blacklist(&hk(7)).await.unwrap());
    assert!(s.blacklist_entry(&hk(7)).await.unwrap().is_none());

    // Reports: replace per validator only.
    let entry = |uid: i64, miner: u8, valid: bool| MinerReportEntry {
        uid,
        miner_hotkey: hk(miner),
        model_name: None,
        model_revision: None,
        model_hash: None,
        chute_id: None,
        chute_slug: None,
        block: Some(5),
        is_valid: valid,
        invalid_reason: None,
    };
    s.replace_reports("va", &[entry(0, 20, true), entry(1, 21, false)], T0)
        .await
        .unwrap();
    s.replace_reports("vb", &[entry(0, 20, true)], T1)
        .await
        .unwrap();
    s.replace_reports("va", &[entry(1, 21, true)], T1)
        .await
        .unwrap();
    let rows = s.reports_since(T0, 100).await.unwrap();
    assert_eq!(rows.len(), 2, "va's old rows were replaced, vb's kept");
    assert!(
        rows.iter()
            .any(|r| r.validator_hotkey == "vb" && r.miner_hotkey == hk(20))
    );
    assert_eq!(s.reports_since(T1, 100).await.unwrap().len(), 2);
    assert_eq!(
        s.reports_since("2026-01-02T00:00:00.000000+00:00", 100)
            .await
            .unwrap()
            .len(),
        0
    );

    // Consensus: upsert by uid, a hotkey moving uid removes its old row, stale uids deleted.
    s.apply_consensus(
        &[consensus(0, &hk(20), true), consensus(1, &hk(21), false)],
        T0,
    )
    .await
    .unwrap();
    assert_eq!(s.miner_counts().await.unwrap(), (2, 1));
    s.apply_consensus(&[consensus(3, &hk(20), true)], T1)
        .await
        .unwrap();
    let miners = s.miners(10).await.unwrap();
    assert_eq!(miners.len(), 1);
    assert_eq!((miners[0].uid, miners[0].is_valid), (3, true));
    assert_eq!(miners[0].last_validated_at.as_deref(), Some(T1));
    s.apply_consensus(&[], T1).await.unwrap();
    assert_eq!(
        s.miners(10).await.unwrap().len(),
        1,
        "an empty tally deletes nothing"
    );
    assert!(s.miner_by_uid(3).await.unwrap().is_some());
    assert!(s.miner_by_hotkey(&hk(21)).await.unwrap().is_none());

    // Samples: upsert keeps non-null latency/artifacts, overwrites verdict.
    let first = s
        .upsert_sample("va", &sample(7, &hk(20), true, Some(1500)), T0)
        .await
        .unwrap();
    let mut again = sample(7, &hk(20), false, None);
    again.generated_artifacts = None;
    let second = s.upsert_sample("va", &again, T1).await.unwrap();
    assert_eq!(first.id, second.id);
    assert_eq!((second.passed, second.latency_ms), (false, Some(1500)));
    assert!(second.generated_artifacts.is_some());
    assert_eq!(second.evaluated_at.as_deref(), Some(T1));
    let batch: Vec<SampleSubmission> = (0..3)
        .map(|i| sample(8, &hk(30 + i), i % 2 == 0, Some(100)))
        .collect();
    let rows = s
        .upsert_batch("vb", &batch, Some(("0xsig", true, Some(1))), T1)
        .await
        .unwrap();
    assert_eq!(rows.len(), 3);
    s.put_evaluation_signature(8, "vb", "0xother", false, None, T1)
        .await
        .unwrap();
    assert_eq!(s.sample_count().await.unwrap(), 4);
    assert_eq!(s.task_ids_desc(0, 10).await.unwrap(), vec![8, 7]);
    assert_eq!(s.task_ids_desc(1, 10).await.unwrap(), vec![7]);
    assert_eq!(s.samples_in_tasks(&[7, 8]).await.unwrap().len(), 4);
    assert_eq!(s.samples(SampleFilter::Recent, 2).await.unwrap().len(), 2);
    assert_eq!(
        s.samples(SampleFilter::Validator("vb".into()), 10)
            .await
            .unwrap()
            .len(),
        3
    );
    assert_eq!(
        s.samples(SampleFilter::Miner(hk(20)), 10)
            .await
            .unwrap()
            .len(),
        1
    );
    let t8 = s.samples(SampleFilter::Task(8), 10).await.unwrap();
    assert!(
        t8.windows(2)
            .all(|w| w[0].miner_hotkey <= w[1].miner_hotkey)
    );
    assert_eq!(
        s.samples(SampleFilter::TaskValidator(8, "va".into()), 10)
            .await
            .unwrap()
            .len(),
        0
    );
    assert_eq!(
        s.samples(SampleFilter::TaskMiner(7, hk(20)), 10)
            .await
            .unwrap()
            .len(),
        1
    );
    let stats = s.lifetime_pair_stats().await.unwrap();
    assert_eq!(stats.len(), 4);
    assert!(stats.contains(&("vb".to_owned(), hk(30), 1, 1)));

    // rank_scores, miner_ranks, miner_task_ranks.
    let rs = |m: &str, v: &str| RankScoreRow {
        miner_hotkey: m.into(),
        validator_hotkey: v.into(),
        score: 0.5,
        total_samples: 4,
        total_passed: 2,
        pass_rate: 0.5,
        updated_at: None,
    };
    s.replace_rank_scores(
        &["m1".into(), "m2".into()],
        &[rs("m1", "va"), rs("m2", "va"), rs("m2", "vb")],
        T0,
    )
    .await
    .unwrap();
    s.replace_rank_scores(&["m2".into()], &[rs("m2", "va")], T1)
        .await
        .unwrap();
    let all = s.rank_scores(None, None, 100).await.unwrap();
    assert_eq!(all.len(), 2, "m1 left the valid set");
    assert_eq!(
        s.rank_scores(Some("m2"), Some("vb"), 100)
            .await
            .unwrap()
            .len(),
        1
    );
    assert_eq!(
        s.rank_scores(None, Some("va"), 100).await.unwrap()[0]
            .updated_at
            .as_deref(),
        Some(T1)
    );
    let mr = |m: &str, rank: i64| MinerRankRow {
        miner_hotkey: m.into(),
        rank,
        passed_count: 3,
        pass_rate: 0.75,
        block: None,
    };
    let tr = |m: &str| TaskRankRow {
        miner_hotkey: m.into(),
        task_passed_count: 3,
        tasks_evaluated: 4,
        completeness: 1.0,
        rank: Some(1),
    };
    s.replace_ranks(&[mr("m2", 2), mr("m1", 1)], &[tr("m1"), tr("m2")], T0)
        .await
        .unwrap();
    let ranks = s.miner_ranks(10).await.unwrap();
    assert_eq!(ranks.iter().map(|r| r.rank).collect::<Vec<_>>(), vec![1, 2]);
    s.replace_ranks(&[mr("m2", 1)], &[tr("m2")], T1)
        .await
        .unwrap();
    assert_eq!(s.miner_ranks(10).await.unwrap().len(), 1);
    assert_eq!(s.task_ranks(10).await.unwrap().len(), 1);
    s.replace_ranks(&[], &[], T1).await.unwrap();
    assert!(s.task_ranks(10).await.unwrap().is_empty());

    // sampling_state.
    assert_eq!(s.state("rotation_interval").await.unwrap(), None);
    s.set_state("rotation_interval", "50", T0).await.unwrap();
    s.set_state("rotation_interval", "60", T1).await.unwrap();
    assert_eq!(
        s.state("rotation_interval").await.unwrap().as_deref(),
        Some("60")
    );
    s.close().await;
}

#[tokio::test]
async fn store_suite_on_sqlite() {
    suite(Db::sqlite()).await;
}

#[tokio::test]
async fn store_suite_on_postgres() {
    suite(Db::postgres().await).await;
}
