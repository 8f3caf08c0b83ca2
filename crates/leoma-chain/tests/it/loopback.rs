//! Every `ChainReader` method and both writes through the real `SubtensorChain` (subxt) against
//! the loopback JSON-RPC node, compared with the `MemChain` the node serves.

use std::sync::Arc;
use std::time::Duration;

use codec::Encode;
use leoma_chain::data::{Data, Registration};
use leoma_chain::mem::{MemChain, MemWriter};
use leoma_chain::node::{LoopbackNode, metadata_without};
use leoma_chain::{
    At, ChainConfig, ChainError, ChainReader, CommitmentIssue, CommitmentWriter, Keypair,
    SubtensorChain, WeightRejection, WeightSetter, WeightVector,
};

const NETUID: u16 = 7;

struct Fixture {
    mem: Arc<MemChain>,
    node: LoopbackNode,
    chain: SubtensorChain,
    bob: Keypair,
    charlie: Keypair,
}

fn key(uri: &str) -> Keypair {
    Keypair::from_uri(uri).unwrap()
}

fn config(url: String) -> ChainConfig {
    ChainConfig {
        endpoint: url,
        call_timeout: Duration::from_secs(20),
        inclusion_timeout: Duration::from_secs(30),
    }
}

fn populate(mem: &MemChain) {
    let (alice, bob, charlie, dave) = (
        key("//Alice"),
        key("//Bob"),
        key("//Charlie"),
        key("//Dave"),
    );
    mem.with_subnet(NETUID, |s| {
        s.register(
            alice.hotkey().clone(),
            key("//Alice//stash").hotkey().clone(),
        );
        let b = s.register(bob.hotkey().clone(), key("//Bob//stash").hotkey().clone());
        s.register(
            charlie.hotkey().clone(),
            key("//Charlie//stash").hotkey().clone(),
        );
        s.register(dave.hotkey().clone(), key("//Dave//stash").hotkey().clone());
        s.owner_hotkey = Some(alice.hotkey().clone());
        let n = &mut s.neurons[usize::from(b)];
        n.validator_permit = true;
        n.alpha_stake = 1_000;
        n.tao_stake = 50;
        s.weights_version_key = 3;
        s.weights_set_rate_limit = 5;
        s.tempo = 99;
        s.reveal_period_epochs = 2;
        s.min_allowed_weights = 1;
        let plain = Registration {
            deposit: 0,
            block: 1,
            fields: vec![Data::Raw(b"hello".to_vec())],
        };
        s.commitments.insert(bob.hotkey().clone(), plain.encode());
        let tl = Registration {
            deposit: 0,
            block: 1,
            fields: vec![Data::TimelockEncrypted {
                encrypted: vec![1, 2, 3],
                reveal_round: 9,
            }],
        };
        s.commitments.insert(charlie.hotkey().clone(), tl.encode());
        s.commitments
            .insert(dave.hotkey().clone(), vec![0xff, 0x01]);
        s.revealed.insert(
            charlie.hotkey().clone(),
            vec![
                ("c1".to_string().encode(), 100),
                ("c2".to_string().encode(), 150),
            ],
        );
    });
}

async fn fixture() -> Fixture {
    let mem = Arc::new(MemChain::new());
    populate(&mem);
    mem.advance(3);
    mem.set_finality_lag(1);
    let node = LoopbackNode::start(mem.clone()).await.unwrap();
    let chain = SubtensorChain::connect(config(node.url())).await.unwrap();
    Fixture {
        mem,
        node,
        chain,
        bob: key("//Bob"),
        charlie: key("//Charlie"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_reader_method_matches_memchain() {
    let f = fixture().await;
    let (live, mem) = (&f.chain, f.mem.as_ref());
    assert_eq!(
        live.best_block().await.unwrap(),
        mem.best_block().await.unwrap()
    );
    assert_eq!(
        live.finalized_block().await.unwrap(),
        mem.finalized_block().await.unwrap()
    );
    assert_eq!(live.finalized_block().await.unwrap().number, 2);
    for at in [At::Best, At::Finalized, At::Number(1)] {
        let mg = live.metagraph(NETUID, at).await.unwrap();
        assert_eq!(mg, mem.metagraph(NETUID, at).await.unwrap(), "{at:?}");
        assert_eq!(
            live.subnet_owner_hotkey(NETUID, at).await.unwrap(),
            mem.subnet_owner_hotkey(NETUID, at).await.unwrap()
        );
        assert_eq!(
            live.commitments(NETUID, at).await.unwrap(),
            mem.commitments(NETUID, at).await.unwrap()
        );
        assert_eq!(
            live.revealed_commitments(NETUID, at).await.unwrap(),
            mem.revealed_commitments(NETUID, at).await.unwrap()
        );
        assert_eq!(
            live.weight_params(NETUID, f.bob.hotkey(), at)
                .await
                .unwrap(),
            mem.weight_params(NETUID, f.bob.hotkey(), at).await.unwrap()
        );
    }
    let mg = live.metagraph(NETUID, At::Best).await.unwrap();
    assert_eq!(mg.len(), 4);
    assert_eq!(mg.uid_of(f.bob.hotkey()), Some(1));
    let bob = mg.neuron(1).unwrap();
    assert!(bob.validator_permit && bob.active);
    assert_eq!(
        (bob.alpha_stake, bob.tao_stake, bob.total_stake),
        (1_000, 50, 1_050)
    );

    let commitments = live.commitments(NETUID, At::Best).await.unwrap();
    assert_eq!(commitments[f.bob.hotkey()].text.as_deref(), Ok("hello"));
    assert_eq!(
        commitments[f.charlie.hotkey()].text,
        Err(CommitmentIssue::NotPlain {
            variant: "TimelockEncrypted".into()
        })
    );
    assert!(matches!(
        commitments[key("//Dave").hotkey()].text,
        Err(CommitmentIssue::Malformed(_))
    ));
    let one = live
        .commitment(NETUID, f.bob.hotkey(), At::Best)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(one.text.as_deref(), Ok("hello"));
    let none = live
        .commitment(NETUID, key("//Eve").hotkey(), At::Best)
        .await
        .unwrap();
    assert_eq!(none, None);

    let revealed = live.revealed_commitments(NETUID, At::Best).await.unwrap();
    let hist = revealed[f.charlie.hotkey()].as_ref().unwrap();
    assert_eq!(
        hist.iter()
            .map(|r| (r.reveal_block, r.text.as_str()))
            .collect::<Vec<_>>(),
        [(100, "c1"), (150, "c2")]
    );

    let params = live
        .weight_params(NETUID, f.bob.hotkey(), At::Best)
        .await
        .unwrap();
    assert_eq!(
        (
            params.version_key,
            params.rate_limit,
            params.tempo,
            params.reveal_period_epochs
        ),
        (3, 5, 99, 2)
    );
    assert_eq!(
        (params.own_uid, params.own_last_update, params.subnet_n),
        (Some(1), Some(0), 4)
    );
    let stranger = live
        .weight_params(NETUID, key("//Eve").hotkey(), At::Best)
        .await
        .unwrap();
    assert_eq!(stranger.own_uid, None);
    assert!(matches!(
        live.metagraph(NETUID, At::Number(999)).await,
        Err(ChainError::BlockNotFound(999))
    ));
    assert_eq!(live.subnet_owner_hotkey(42, At::Best).await.unwrap(), None);
    assert!(live.metagraph(42, At::Best).await.unwrap().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn set_weights_end_to_end_with_typed_rejections() {
    let f = fixture().await;
    let setter = f.chain.signer(f.bob.clone());
    let w = WeightVector {
        uids: vec![2, 0],
        values: vec![65535, 0],
        version_key: 3,
    };
    let inclusion = setter.set_weights(NETUID, &w).await.unwrap();
    assert_eq!(inclusion.block, f.mem.best());
    let subs = f.mem.submissions();
    assert_eq!(subs.len(), 1);
    assert_eq!(
        (subs[0].weights.clone(), subs[0].result.clone()),
        (w.clone(), Ok(()))
    );
    let params = f
        .chain
        .weight_params(NETUID, f.bob.hotkey(), At::Best)
        .await
        .unwrap();
    assert_eq!(
        params.own_last_update,
        Some(u64::from(inclusion.block.number))
    );

    // Too soon: the rate limit (5 blocks) is named and transient.
    let e = setter.set_weights(NETUID, &w).await.unwrap_err();
    assert!(
        matches!(e, ChainError::WeightsRejected(WeightRejection::RateLimit)),
        "{e}"
    );
    assert!(e.is_transient());
    f.mem.advance(5);
    let old = WeightVector {
        version_key: 2,
        ..w.clone()
    };
    let e = setter.set_weights(NETUID, &old).await.unwrap_err();
    assert!(
        matches!(e, ChainError::WeightsRejected(WeightRejection::VersionKey)),
        "{e}"
    );
    let dup = WeightVector {
        uids: vec![2, 2],
        values: vec![1, 1],
        version_key: 3,
    };
    let e = setter.set_weights(NETUID, &dup).await.unwrap_err();
    assert!(
        matches!(
            e,
            ChainError::WeightsRejected(WeightRejection::DuplicateUids)
        ),
        "{e}"
    );
    let unknown = WeightVector {
        uids: vec![9],
        values: vec![1],
        version_key: 3,
    };
    let e = setter.set_weights(NETUID, &unknown).await.unwrap_err();
    assert!(
        matches!(e, ChainError::WeightsRejected(WeightRejection::UnknownUids)),
        "{e}"
    );
    let no_permit = f.chain.signer(f.charlie.clone());
    let e = no_permit.set_weights(NETUID, &w).await.unwrap_err();
    assert!(
        matches!(e, ChainError::WeightsRejected(WeightRejection::NoPermit)),
        "{e}"
    );
    assert!(!e.is_transient());

    f.mem
        .with_subnet(NETUID, |s| s.commit_reveal_enabled = true);
    f.mem.advance(1);
    // With commit-reveal on the same call becomes a CRv4 commit (tests/it/commit_reveal.rs
    // covers it in depth): no plain set_weights reaches the chain.
    let before = f.mem.submissions().len();
    let r = setter.set_weights(NETUID, &w).await;
    assert_eq!(
        f.mem.submissions().len(),
        before,
        "no plain set_weights with commit-reveal on"
    );
    let commits = f.mem.commit_submissions();
    assert_eq!(commits.len(), 1, "{r:?}");
    assert_eq!(commits[0].commit_reveal_version, 4);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn set_commitment_end_to_end() {
    let f = fixture().await;
    let writer = f.chain.signer(f.charlie.clone());
    let text = format!("leoma:allowlist:v2:{}", "0".repeat(64));
    let inclusion = writer.set_commitment(NETUID, &text).await.unwrap();
    let c = f
        .chain
        .commitment(NETUID, f.charlie.hotkey(), At::Best)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(c.text.as_deref(), Ok(text.as_str()));
    assert_eq!(c.block, inclusion.block.number);
    // An unregistered hotkey is refused by the chain, named.
    let e = f
        .chain
        .signer(key("//Eve"))
        .set_commitment(NETUID, "x")
        .await
        .unwrap_err();
    assert!(
        matches!(e, ChainError::Dispatch { ref pallet, .. } if pallet == "Commitments"),
        "{e}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn startup_check_names_every_missing_item() {
    let mem = Arc::new(MemChain::new());
    let md = metadata_without(&["WeightsVersionKey", "get_metagraph"]);
    let node = LoopbackNode::start_with(mem, md, "127.0.0.1:0")
        .await
        .unwrap();
    let e = SubtensorChain::connect(config(node.url()))
        .await
        .unwrap_err();
    let ChainError::MissingMetadata { missing } = &e else {
        panic!("{e}")
    };
    assert_eq!(
        missing,
        &[
            "storage SubtensorModule.WeightsVersionKey".to_string(),
            "runtime API SubnetInfoRuntimeApi.get_metagraph".to_string()
        ]
    );
    assert!(e.to_string().contains("WeightsVersionKey"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reconnects_after_the_node_comes_back() {
    let f = fixture().await;
    let addr = f.node.addr();
    f.node.stop().await;
    let e = f.chain.best_block().await.unwrap_err();
    assert!(e.is_transient(), "{e}");
    let _node = LoopbackNode::start_with(
        f.mem.clone(),
        leoma_chain::VENDORED_METADATA.to_vec(),
        &addr.to_string(),
    )
    .await
    .unwrap();
    assert_eq!(f.chain.best_block().await.unwrap(), f.mem.best());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_silent_node_times_out() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let hold = tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((sock, _)) = listener.accept().await {
            held.push(sock);
        }
    });
    let cfg = ChainConfig {
        endpoint: format!("ws://{addr}"),
        call_timeout: Duration::from_millis(500),
        inclusion_timeout: Duration::from_secs(1),
    };
    let e = SubtensorChain::connect(cfg).await.unwrap_err();
    assert!(
        matches!(
            e,
            ChainError::Timeout {
                call: "connect",
                ..
            }
        ),
        "{e}"
    );
    assert!(e.is_transient());
    hold.abort();
}

#[tokio::test]
async fn memwriter_matches_the_same_rules() {
    let mem = Arc::new(MemChain::new());
    populate(&mem);
    let w = MemWriter::new(mem.clone(), key("//Bob").hotkey().clone());
    let v = WeightVector {
        uids: vec![1],
        values: vec![7],
        version_key: 3,
    };
    WeightSetter::set_weights(&w, NETUID, &v).await.unwrap();
    assert_eq!(
        mem.with_subnet(NETUID, |s| s.weights.get(&1).cloned()),
        Some(vec![(1, 65535)])
    );
    let c = CommitmentWriter::set_commitment(&w, NETUID, "hi")
        .await
        .unwrap();
    assert_eq!(c.block, mem.best());
}
