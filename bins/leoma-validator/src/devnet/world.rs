//! The devnet's world: one `MemChain` (the subnet, its owner, miners and validators), the
//! source bucket with a synthetic corpus and the owner's v2 allowlist, the fake Chutes API and
//! HuggingFace Hub, and the simulated miners.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::Context;
use leoma_api_types::Hotkey;
use leoma_api_types::allowlist::{
    AllowlistV2, ConsensusParamsV2, ScoringParamsV2, ValidatorEntryV2,
};
use leoma_chain::mem::{MemChain, MemWriter};
use leoma_chain::{CommitmentWriter, Keypair};
use leoma_storage::{Bucket, ObjectBucket};
use leoma_testkit::devnet::{MinerFarm, Rendering, SimMiner};
use leoma_testkit::roster::{good_commitment, miner_hotkey, register, reveal};
use leoma_testkit::video::VideoSpec;
use leoma_testkit::{ChuteScript, FakeChutes, FakeHub, HubScript};

use super::DevnetOptions;

/// The subnet id of the devnet.
pub const NETUID: u16 = 99;

/// One simulated miner as the devnet set it up.
#[derive(Debug, Clone)]
pub struct MinerSetup {
    /// Its hotkey.
    pub hotkey: Hotkey,
    /// Its uid.
    pub uid: u16,
    /// Short name (`m0-faithful`, ...).
    pub name: String,
    /// What it renders.
    pub rendering: Rendering,
    /// Whether it copies another miner's model.
    pub copycat_of: Option<usize>,
}

/// Everything shared by the validators.
pub struct World {
    /// The chain.
    pub chain: Arc<MemChain>,
    /// The source bucket.
    pub source: Arc<ObjectBucket>,
    /// Root of the validators' buckets (`<root>/<hotkey>/`).
    pub buckets_root: PathBuf,
    /// Validators' keys, ascending by hotkey (rotation order).
    pub validators: Vec<Keypair>,
    /// The miners.
    pub miners: Vec<MinerSetup>,
    /// The allowlist in force.
    pub allowlist: AllowlistV2,
    /// Fake Chutes API (chute info).
    pub chutes: FakeChutes,
    /// Fake Hub (model revisions).
    pub hub: FakeHub,
    /// The simulated miners.
    pub farm: MinerFarm,
    /// The block the devnet starts at (an epoch boundary).
    pub start_block: u32,
}

/// The style of miner `i` out of `m`: the first renders faithfully; then a copycat of it, a
/// frozen one, a blurred one, a flickering one, and faithful ones again.
fn miner_style(i: usize) -> (Rendering, Option<usize>, &'static str) {
    match i % 5 {
        0 => (Rendering::Faithful, None, "faithful"),
        1 => (Rendering::Faithful, Some(i - 1), "copycat"),
        2 => (Rendering::Frozen, None, "frozen"),
        3 => (Rendering::Blurred, None, "blurred"),
        _ => (Rendering::Flickering, None, "flickering"),
    }
}

fn revision(i: usize) -> String {
    format!("{:040x}", 0xdeb0_0000u64 + i as u64)
}

/// Builds the world; `spec` is the shape of every video.
pub(super) async fn build(
    opts: &DevnetOptions,
    data: &Path,
    spec: VideoSpec,
) -> anyhow::Result<World> {
    let chain = Arc::new(MemChain::new());
    let owner = Keypair::from_seed(&[200u8; 32]).context("owner key")?;
    register(&chain, NETUID, owner.hotkey());
    chain.with_subnet(NETUID, |s| {
        s.owner_hotkey = Some(owner.hotkey().clone());
        s.weights_set_rate_limit = 0;
        s.min_allowed_weights = 1;
    });
    // Sources: a synthetic corpus.
    let source_dir = data.join("source");
    std::fs::create_dir_all(&source_dir)?;
    let source = Arc::new(ObjectBucket::local(&source_dir)?);
    // Two 6 s shots per clip: each holds the 2 s safe start offset plus the 3 s clip.
    let corpus_spec = VideoSpec {
        seconds: 6.0,
        ..spec
    };
    let render_dir = data.join("corpus-render");
    let clips = {
        let dir = render_dir.clone();
        tokio::task::spawn_blocking(move || {
            leoma_testkit::devnet::make_corpus(&dir, 3, &corpus_spec)
        })
        .await??
    };
    for (i, clip) in clips.iter().enumerate() {
        let bytes = std::fs::read(clip)?;
        source
            .put(&format!("2026/01/devnet-{i}.mp4"), bytes, "video/mp4")
            .await?;
    }
    // Miners: chute info on the fake Chutes API, weights on the fake Hub, commitments on chain.
    let chutes = FakeChutes::start().await?;
    let hub = FakeHub::start().await?;
    let mut miners = Vec::new();
    let mut sims = Vec::new();
    for i in 0..opts.miners {
        let hotkey = miner_hotkey(u32::try_from(i).unwrap_or(0) + 1);
        let uid = register(&chain, NETUID, &hotkey);
        let (rendering, copycat_of, style) = miner_style(i);
        let slug = format!("devnet-m{i}");
        let chute_id = format!("00000000-0000-4000-8000-{:012}", i);
        let rev = revision(i);
        let commitment = good_commitment(&hotkey, &rev, &chute_id);
        chutes.set_chute(
            &chute_id,
            ChuteScript::hot(&slug, &commitment.model_name, &rev),
        );
        let weights_of = copycat_of.unwrap_or(i);
        let sha = format!("{:064x}", 0xfeed_0000u64 + weights_of as u64);
        hub.set_model(
            &commitment.model_name,
            &rev,
            HubScript::weights(&rev, &[("model.safetensors", &sha)]),
        );
        // Later miners commit later: the copycat is never the original.
        reveal(
            &chain,
            NETUID,
            &hotkey,
            &commitment.to_payload(),
            10 + i as u64,
        );
        sims.push(SimMiner { slug, rendering });
        miners.push(MinerSetup {
            hotkey,
            uid,
            name: format!("m{i}-{style}"),
            rendering,
            copycat_of,
        });
    }
    let farm = MinerFarm::start(&sims, spec, &data.join("miners")).await?;
    // Validators: registered with a permit; each owns a local bucket.
    let mut validators: Vec<Keypair> = (0..opts.validators)
        .map(|i| Keypair::from_seed(&[100u8 + u8::try_from(i).unwrap_or(0); 32]))
        .collect::<Result<_, _>>()
        .context("validator keys")?;
    validators.sort_by(|a, b| a.hotkey().as_str().cmp(b.hotkey().as_str()));
    let buckets_root = data.join("buckets");
    let mut entries = Vec::new();
    for (i, v) in validators.iter().enumerate() {
        let uid = register(&chain, NETUID, v.hotkey());
        chain.with_subnet(NETUID, |s| {
            if let Some(n) = s.neurons.get_mut(usize::from(uid)) {
                n.validator_permit = true;
                n.alpha_stake = 1_000_000;
            }
        });
        std::fs::create_dir_all(buckets_root.join(v.hotkey().as_str()))?;
        entries.push(ValidatorEntryV2 {
            hotkey: v.hotkey().clone(),
            bucket: format!("leoma-devnet-{i}"),
            endpoint: "http://127.0.0.1:9".into(),
            region: "auto".into(),
        });
    }
    let interval = opts.interval.max(2);
    let allowlist = AllowlistV2::new(
        entries,
        ConsensusParamsV2 {
            interval,
            // Backups wait most of the interval: a devnet turn takes seconds on a small machine.
            failover_grace_blocks: interval * 3 / 4,
            epoch_length: interval * u64::try_from(opts.validators.max(1)).unwrap_or(1),
            scoring: ScoringParamsV2 {
                window_size: 100,
                settle_margin: 2,
                max_lookback_blocks: 0,
                ..ConsensusParamsV2::REFERENCE_DEFAULTS.scoring
            },
        },
    )?;
    leoma_storage::layout::publish_allowlist_v2(
        source.as_ref(),
        &allowlist.digest(),
        allowlist.to_bytes(),
    )
    .await?;
    MemWriter::new(chain.clone(), owner.hotkey().clone())
        .set_commitment(NETUID, &allowlist.commitment())
        .await?;
    // Start on an epoch boundary, past the setup blocks.
    let epoch = allowlist.params().epoch_length;
    let best = u64::from(chain.best().number);
    let start = (best / epoch + 1) * epoch;
    chain.advance(u32::try_from(start - best).unwrap_or(0));
    Ok(World {
        chain,
        source,
        buckets_root,
        validators,
        miners,
        allowlist,
        chutes,
        hub,
        farm,
        start_block: u32::try_from(start).unwrap_or(u32::MAX),
    })
}
