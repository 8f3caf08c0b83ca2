//! Generates a realistic epoch as bucket-mirror files on disk, for benchmarks and the demo.
//!
//! Layout: `DIR/<validator>/<task_id>/evaluation_results/<validator>.json`, one folder per
//! validator bucket, exactly what `leoma-validator score` reads. Validators hold real sr25519 keys
//! (derived from fixed seeds) and sign their files, so signature checks run for real. The history
//! contains primaries that missed their turn (a backup produced instead), late primaries (both
//! produced: a failover duplicate) and a few tasks nobody produced.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use leoma_api_types::Hotkey;
use leoma_api_types::TaskId;
use leoma_api_types::allowlist::{AllowlistV1, AllowlistV2, ConsensusParamsV2, ValidatorEntryV2};
use leoma_api_types::signature::Signer;
use leoma_api_types::verdict::{
    ORIGINAL_ARTIFACTS, PRESENTATION_ORDER, VerdictEntryV1, VerdictEntryV2, VerdictFileV1,
    VerdictFileV2, VerdictStatus,
};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use schnorrkel::keys::ExpansionMode;
use schnorrkel::{Keypair, MiniSecretKey};

/// The shape of a generated epoch.
#[derive(Debug, Clone)]
pub(crate) struct EpochSpec {
    pub validators: usize,
    pub tasks: i64,
    pub miners: usize,
    pub interval: i64,
    /// The epoch's boundary block; the history ends at its rotation index.
    pub epoch_block: i64,
    pub seed: u64,
}

/// Paths of a generated epoch.
#[derive(Debug, Clone)]
pub(crate) struct Generated {
    pub dir: PathBuf,
    pub allowlist: PathBuf,
    pub miners: PathBuf,
}

struct Validator {
    hotkey: Hotkey,
    keypair: Keypair,
}

impl Signer for Validator {
    fn public_key(&self) -> [u8; 32] {
        self.keypair.public.to_bytes()
    }
    fn sign(&self, message: &[u8]) -> [u8; 64] {
        self.keypair.sign_simple(b"substrate", message).to_bytes()
    }
}

fn validator(i: usize) -> Result<Validator> {
    let mut seed = [0u8; 32];
    seed[..8].copy_from_slice(&(i as u64 + 1).to_le_bytes());
    seed[8..16].copy_from_slice(b"leomaval");
    let mini = MiniSecretKey::from_bytes(&seed).map_err(|e| anyhow::anyhow!("{e}"))?;
    let keypair = mini.expand_to_keypair(ExpansionMode::Ed25519);
    let hotkey = Hotkey::from_public(keypair.public.to_bytes(), 42);
    Ok(Validator { hotkey, keypair })
}

fn miner_hotkey(rng: &mut StdRng) -> String {
    Hotkey::from_public(rng.r#gen(), 42).as_str().to_owned()
}

const ASPECTS: [&str; 6] = [
    "first_frame_fidelity",
    "prompt_adherence",
    "motion_quality",
    "temporal_consistency",
    "visual_quality",
    "camera_composition",
];

/// Judge-like strings of realistic size (SPEC §8.5).
fn judged_strings(rng: &mut StdRng, passed: bool) -> (i64, String, String) {
    let scores: Vec<u32> = ASPECTS
        .iter()
        .map(|_| {
            if passed {
                rng.gen_range(70..98)
            } else {
                rng.gen_range(20..80)
            }
        })
        .collect();
    let overall = if passed {
        rng.gen_range(75..95)
    } else {
        rng.gen_range(10..74)
    };
    let aspects = ASPECTS
        .iter()
        .zip(&scores)
        .map(|(k, v)| format!("\"{k}\":{v}"))
        .collect::<Vec<_>>()
        .join(",");
    let reasoning = format!(
        "The subject keeps its identity through the pan; slight flicker on the left edge after 3 s and the water texture softens. | overall_score={overall} | aspect_scores={{{aspects}}}"
    );
    let aspects_default = ASPECTS
        .iter()
        .zip(&scores)
        .map(|(k, v)| format!("\"{k}\": {v}"))
        .collect::<Vec<_>>()
        .join(", ");
    let artifacts = format!(
        "{{\"major_issues\": [\"minor flicker on the left edge\", \"texture softening on water\"], \"strengths\": [\"stable identity\", \"smooth camera pan\"], \"aspect_scores\": {{{aspects_default}}}, \"overall_score\": {overall}, \"raw_generated_artifacts\": [\"minor flicker on the left edge\", \"texture softening on water\"]}}"
    );
    (i64::from(rng.gen_range(60..96u32)), reasoning, artifacts)
}

/// Writes the epoch twice: `v1/` with v1 files and allowlist, `v2/` with v2 ones. Reuses an
/// existing generation with the same spec.
pub(crate) fn generate(root: &Path, spec: &EpochSpec) -> Result<(Generated, Generated)> {
    let stamp = format!("{spec:?}-format-1");
    let marker = root.join("SPEC");
    let v1 = paths(&root.join("v1"));
    let v2 = paths(&root.join("v2"));
    if std::fs::read_to_string(&marker).ok().as_deref() == Some(stamp.as_str()) {
        return Ok((v1, v2));
    }
    if root.exists() {
        std::fs::remove_dir_all(root).with_context(|| format!("clearing {}", root.display()))?;
    }
    let mut rng = StdRng::seed_from_u64(spec.seed);
    let mut validators: Vec<Validator> =
        (0..spec.validators).map(validator).collect::<Result<_>>()?;
    validators.sort_by(|a, b| a.hotkey.cmp(&b.hotkey));
    let mut miners: Vec<(String, f64, Option<i64>)> = (0..spec.miners)
        .map(|_| {
            let skill = rng.gen_range(0.25..0.9);
            let block =
                (!rng.gen_bool(0.03)).then(|| rng.gen_range(1_000..spec.epoch_block.max(1_001)));
            (miner_hotkey(&mut rng), skill, block)
        })
        .collect();
    miners.sort_by(|a, b| a.0.cmp(&b.0));

    // Who produced what: mostly the primary; sometimes the backup instead; sometimes both.
    let n = validators.len() as i64;
    let epoch_rid = spec.epoch_block.div_euclid(spec.interval);
    let mut produced: Vec<(i64, usize)> = Vec::new();
    for rid in (epoch_rid - spec.tasks + 1)..=epoch_rid {
        let primary = rid.rem_euclid(n) as usize;
        let backup = (rid + 1).rem_euclid(n) as usize;
        let roll: f64 = rng.r#gen();
        if roll < 0.01 {
            continue; // nobody produced
        } else if roll < 0.04 {
            produced.push((rid, backup));
        } else if roll < 0.06 {
            produced.push((rid, primary));
            produced.push((rid, backup));
        } else {
            produced.push((rid, primary));
        }
    }

    for (version, out) in [(1, &v1), (2, &v2)] {
        for &(rid, vi) in &produced {
            let v = &validators[vi];
            let mut v1_entries = Vec::with_capacity(miners.len());
            let mut v2_entries = Vec::with_capacity(miners.len());
            for (hk, skill, _) in &miners {
                let passed = rng.gen_bool(*skill);
                let (confidence, reasoning, artifacts) = judged_strings(&mut rng, passed);
                let latency = rng.gen_range(20_000..90_000);
                if version == 1 {
                    v1_entries.push(VerdictEntryV1 {
                        hotkey: hk.clone(),
                        passed,
                        status: VerdictStatus::of_passed(passed),
                        confidence,
                        reasoning,
                        latency_ms: latency,
                        original_artifacts: ORIGINAL_ARTIFACTS.to_owned(),
                        generated_artifacts: artifacts,
                        presentation_order: PRESENTATION_ORDER.to_owned(),
                    });
                } else {
                    v2_entries.push(VerdictEntryV2 {
                        hotkey: hk.clone(),
                        passed,
                        status: VerdictStatus::of_passed(passed),
                        reason: None,
                        confidence: Some(confidence),
                        reasoning,
                        latency_ms: Some(latency),
                        original_artifacts: Some(ORIGINAL_ARTIFACTS.to_owned()),
                        generated_artifacts: Some(artifacts),
                        presentation_order: PRESENTATION_ORDER.to_owned(),
                    });
                }
            }
            let bytes = if version == 1 {
                VerdictFileV1::signed(v1_entries, v)?.to_bytes()
            } else {
                let task = TaskId(u64::try_from(rid).context("negative task id")?);
                VerdictFileV2::signed(task, v.hotkey.clone(), v2_entries, v)?.to_bytes()
            };
            let hk = v.hotkey.as_str();
            let dir = out
                .dir
                .join(hk)
                .join(rid.to_string())
                .join("evaluation_results");
            std::fs::create_dir_all(&dir)?;
            std::fs::write(dir.join(format!("{hk}.json")), bytes)?;
        }
    }

    let hotkeys: Vec<String> = validators
        .iter()
        .map(|v| v.hotkey.as_str().to_owned())
        .collect();
    let interval = u64::try_from(spec.interval).context("negative interval")?;
    let v1_allowlist = AllowlistV1::new(hotkeys, interval)?;
    std::fs::write(&v1.allowlist, v1_allowlist.to_bytes())?;
    let entries = validators
        .iter()
        .enumerate()
        .map(|(i, v)| ValidatorEntryV2 {
            hotkey: v.hotkey.clone(),
            bucket: format!("leoma-results-{i}"),
            endpoint: "https://example.r2.cloudflarestorage.com".to_owned(),
            region: "auto".to_owned(),
        })
        .collect();
    let params = ConsensusParamsV2 {
        interval,
        ..ConsensusParamsV2::REFERENCE_DEFAULTS
    };
    let v2_allowlist = AllowlistV2::new(entries, params)?;
    std::fs::write(&v2.allowlist, v2_allowlist.to_bytes())?;

    let table: BTreeMap<&str, serde_json::Value> = miners
        .iter()
        .enumerate()
        .map(|(i, (hk, _, block))| {
            (
                hk.as_str(),
                serde_json::json!({"uid": i + 1, "block": block}),
            )
        })
        .collect();
    let table = serde_json::to_vec_pretty(&table)?;
    std::fs::write(&v1.miners, &table)?;
    std::fs::write(&v2.miners, &table)?;
    std::fs::write(&marker, stamp)?;
    Ok((v1, v2))
}

fn paths(base: &Path) -> Generated {
    Generated {
        dir: base.join("buckets"),
        allowlist: base.join("allowlist.json"),
        miners: base.join("miners.json"),
    }
}
