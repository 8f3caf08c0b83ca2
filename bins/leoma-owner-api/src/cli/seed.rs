//! `seed`: fills a database with synthetic miners, validators and samples, then runs the
//! consensus-free dashboard scoring, so benchmarks and schemathesis run against realistic data.
//! Hotkeys are derived from fixed public keys, so runs are reproducible.

use std::sync::Arc;

use clap::Args;
use leoma_api_types::Hotkey;
use leoma_api_types::samples::SampleSubmission;
use leoma_scoring::tally::MinerConsensus;

use super::DbArgs;
use crate::store::Store;
use crate::{AppState, Ports, Settings};

/// `seed` flags.
#[derive(Debug, Args)]
pub struct SeedArgs {
    /// Database flags.
    #[command(flatten)]
    pub db: DbArgs,
    /// Valid miners.
    #[arg(long, default_value_t = 256)]
    pub miners: u32,
    /// Registered validators.
    #[arg(long, default_value_t = 64)]
    pub validators: u32,
    /// Samples (one task = one sample per miner, produced in turn by the validators).
    #[arg(long, default_value_t = 20_000)]
    pub samples: u32,
}

fn hotkey(kind: u8, i: u32) -> String {
    let mut public = [0u8; 32];
    public[0] = kind;
    public[1..5].copy_from_slice(&i.to_be_bytes());
    Hotkey::from_public(public, leoma_api_types::hotkey::BITTENSOR_SS58_PREFIX)
        .as_str()
        .to_owned()
}

/// Seeds the database; prints what it wrote.
pub async fn run(args: SeedArgs) -> anyhow::Result<()> {
    let store = args.db.connect().await?;
    store.migrate().await?;
    let now = crate::clock::now_iso();
    let miners: Vec<String> = (0..args.miners).map(|i| hotkey(1, i)).collect();
    let validators: Vec<String> = (0..args.validators).map(|i| hotkey(2, i)).collect();
    for (uid, v) in validators.iter().enumerate() {
        store
            .upsert_validator(1000 + uid as i64, v, 1000.0, &now)
            .await?;
    }
    let consensus: Vec<MinerConsensus> = miners
        .iter()
        .enumerate()
        .map(|(uid, m)| MinerConsensus {
            miner_hotkey: m.clone(),
            uid: uid as i64,
            block: Some(1000 + uid as i64),
            model_name: Some(format!("org/model-{uid}")),
            model_revision: Some("main".into()),
            model_hash: None,
            chute_id: Some(format!("chute-{uid}")),
            chute_slug: Some(format!("slug-{uid}")),
            is_valid: true,
            invalid_reason: None,
            reporters: 1,
            valid_votes: 1,
        })
        .collect();
    store.apply_consensus(&consensus, &now).await?;
    let per_task = miners.len().max(1) as u32;
    let tasks = args.samples.div_ceil(per_task);
    let mut written = 0u32;
    for task in 0..tasks {
        let Some(producer) = validators.get(task as usize % validators.len().max(1)) else {
            break;
        };
        let batch: Vec<SampleSubmission> = miners
            .iter()
            .enumerate()
            .take((args.samples - written) as usize)
            .map(|(i, m)| SampleSubmission {
                task_id: i64::from(task),
                miner_hotkey: m.clone(),
                s3_bucket: "bench".into(),
                s3_prefix: task.to_string(),
                // Deterministic pass pattern: miner i passes with probability ~ i / miners.
                passed: (task as usize * 7 + i * 13) % miners.len() < i,
                prompt: "A red kite over a beach at sunset".into(),
                confidence: Some(80),
                reasoning: Some("consistent motion".into()),
                latency_ms: Some(1000 + i as i64),
                original_artifacts: None,
                generated_artifacts: Some(
                    r#"{"aspect_scores":{"motion":80},"overall_score":80}"#.into(),
                ),
                presentation_order: Some("AB".into()),
                status: None,
                reason: None,
                evaluation_signature: None,
            })
            .collect();
        written += batch.len() as u32;
        store.upsert_batch(producer, &batch, None, &now).await?;
    }
    let state = AppState::new(Arc::new(store), Settings::default(), Ports::default());
    crate::tasks::dashboard_scores_once(&state, true).await?;
    super::admin::say(&format!(
        "seeded {} miners, {} validators, {written} samples over {tasks} tasks",
        miners.len(),
        validators.len()
    ));
    Ok(())
}
