//! CRv4 commit-reveal weights and reveal commitments end to end (SPEC §2.4, §2.6): through the
//! real `SubtensorChain` against the loopback node, and through `MemWriter` on `MemChain`.
//! Commits are sealed to a `TestBeacon` so the test can produce the pulse that opens them; the
//! quicknet compatibility of the same code is proven in `timelock.rs`.

use std::sync::Arc;
use std::time::Duration;

use codec::{Decode, Encode};
use leoma_chain::data::{Data, Registration};
use leoma_chain::mem::{MemChain, MemWriter};
use leoma_chain::node::LoopbackNode;
use leoma_chain::timelock::{
    EpochSchedule, TestBeacon, WeightsCommit, WeightsTlockPayload, commitment_plaintext,
    crv4_reveal_round, decrypt,
};
use leoma_chain::{
    At, ChainConfig, ChainError, ChainReader, CommitmentWriter, Keypair, SubtensorChain,
    WeightRejection, WeightSetter, WeightVector,
};

const NETUID: u16 = 3;

fn key(uri: &str) -> Keypair {
    Keypair::from_uri(uri).unwrap()
}

fn now() -> f64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs_f64()
}

/// Alice owns the subnet, Bob validates with a permit, Charlie mines; commit-reveal is on with
/// a dynamic-tempo schedule.
fn chain() -> Arc<MemChain> {
    let mem = Arc::new(MemChain::new());
    mem.with_subnet(NETUID, |s| {
        for who in ["//Alice", "//Bob", "//Charlie"] {
            s.register(
                key(who).hotkey().clone(),
                key(&format!("{who}//stash")).hotkey().clone(),
            );
        }
        s.owner_hotkey = Some(key("//Alice").hotkey().clone());
        s.neurons[1].validator_permit = true;
        s.commit_reveal_enabled = true;
        s.weights_version_key = 2;
        s.weights_set_rate_limit = 3;
        s.tempo = 50;
        s.reveal_period_epochs = 1;
        s.last_epoch_block = 40;
        s.subnet_epoch_index = 17;
        s.blocks_since_last_step = 9;
    });
    mem.advance(10);
    mem
}

fn weights() -> WeightVector {
    WeightVector {
        uids: vec![2, 0],
        values: vec![65535, 0],
        version_key: 2,
    }
}

fn config(url: String) -> ChainConfig {
    ChainConfig {
        endpoint: url,
        call_timeout: Duration::from_secs(20),
        inclusion_timeout: Duration::from_secs(30),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn loopback_receives_a_commit_that_decodes_back_to_its_arguments() {
    let mem = chain();
    let node = LoopbackNode::start(mem.clone()).await.unwrap();
    let live = SubtensorChain::connect(config(node.url())).await.unwrap();
    let beacon = TestBeacon::from_seed(b"loopback");
    let bob = key("//Bob");
    let setter = live.signer(bob.clone()).with_beacon(beacon.beacon());
    let head = mem.best().number;
    let schedule = EpochSchedule {
        last_epoch_block: 40,
        pending_epoch_at: 0,
        subnet_epoch_index: 17,
        tempo: 50,
        blocks_since_last_step: 9,
        head: u64::from(head),
    };
    let (t0, lo) = (now(), crv4_reveal_round(&schedule, 1, now()).unwrap());
    let inclusion = setter.set_weights(NETUID, &weights()).await.unwrap();
    let hi = crv4_reveal_round(&schedule, 1, now()).unwrap();
    assert!(now() - t0 < 60.0);

    assert!(mem.submissions().is_empty(), "no plain set_weights");
    let subs = mem.commit_submissions();
    assert_eq!(subs.len(), 1);
    let c = &subs[0];
    assert_eq!(
        (c.block, c.netuid, c.result.clone()),
        (inclusion.block.number, NETUID, Ok(()))
    );
    assert_eq!(c.hotkey.public_key(), bob.hotkey().public_key());
    assert_eq!(c.commit_reveal_version, 4);
    assert!(
        (lo..=hi).contains(&c.reveal_round),
        "{} not in [{lo}, {hi}]",
        c.reveal_round
    );

    // The extrinsic the node decoded carries the sealed payload of exactly these arguments.
    let plain = decrypt(&c.commit, &beacon.signature(c.reveal_round)).unwrap();
    let payload = WeightsTlockPayload::decode(&mut plain.as_slice()).unwrap();
    assert_eq!(
        payload,
        WeightsTlockPayload {
            hotkey: bob.hotkey().public_key().to_vec(),
            uids: vec![2, 0],
            values: vec![65535, 0],
            version_key: 2,
        }
    );
    // And the call data is the golden layout: pallet 7, call 113, then the SCALE arguments.
    let data = leoma_chain::subtensor::commit_timelocked_weights_call_data(
        NETUID,
        &WeightsCommit {
            commit: c.commit.clone(),
            reveal_round: c.reveal_round,
            commit_reveal_version: 4,
        },
    )
    .unwrap();
    assert_eq!(&data[..2], &[7, 113]);
    assert_eq!(
        <(u16, Vec<u8>, u64, u16)>::decode(&mut &data[2..]).unwrap(),
        (NETUID, c.commit.clone(), c.reveal_round, 4)
    );

    // LastUpdate is set at commit time; the commit rate limit then applies, named.
    let p = live
        .weight_params(NETUID, bob.hotkey(), At::Best)
        .await
        .unwrap();
    assert_eq!(p.own_last_update, Some(u64::from(inclusion.block.number)));
    let e = setter.set_weights(NETUID, &weights()).await.unwrap_err();
    assert!(
        matches!(e, ChainError::WeightsRejected(WeightRejection::RateLimit)),
        "{e}"
    );
    assert!(e.is_transient());

    // The chain reveals it with the round's pulse and stores the row.
    let outcomes = mem.reveal_timelocked_weights(NETUID, |r| Some(beacon.signature(r)));
    assert_eq!(outcomes.len(), 1);
    assert_eq!(outcomes[0].result, Ok(weights()));
    assert_eq!(
        mem.with_subnet(NETUID, |s| s.weights.get(&1).cloned()),
        Some(vec![(2, 65535), (0, 0)])
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refuses_to_commit_without_epoch_schedule_or_with_another_version() {
    let mem = chain();
    // The vendored spec-393 metadata has no epoch-schedule storage.
    let node = LoopbackNode::start_with(
        mem.clone(),
        leoma_chain::VENDORED_METADATA.to_vec(),
        "127.0.0.1:0",
    )
    .await
    .unwrap();
    let live = SubtensorChain::connect(config(node.url())).await.unwrap();
    let setter = live.signer(key("//Bob"));
    let e = setter.set_weights(NETUID, &weights()).await.unwrap_err();
    match &e {
        ChainError::CommitRevealUnsupported { netuid, reason } => {
            assert_eq!(*netuid, NETUID);
            assert!(reason.contains("LastEpochBlock"), "{reason}");
        }
        other => panic!("unexpected {other}"),
    }
    assert!(!e.is_transient());
    assert!(mem.commit_submissions().is_empty());

    let node2 = LoopbackNode::start(mem.clone()).await.unwrap();
    let live2 = SubtensorChain::connect(config(node2.url())).await.unwrap();
    mem.with_state(|s| s.commit_reveal_version = 5);
    let e = live2
        .signer(key("//Bob"))
        .set_weights(NETUID, &weights())
        .await
        .unwrap_err();
    assert!(
        matches!(&e, ChainError::CommitRevealUnsupported { reason, .. } if reason.contains("is 5")),
        "{e}"
    );
    mem.with_state(|s| s.commit_reveal_version = 4);
    mem.with_subnet(NETUID, |s| s.tempo = 0);
    let e = live2
        .signer(key("//Bob"))
        .set_weights(NETUID, &weights())
        .await
        .unwrap_err();
    assert!(
        matches!(&e, ChainError::CommitRevealUnsupported { reason, .. } if reason.contains("tempo is 0")),
        "{e}"
    );
    assert!(mem.commit_submissions().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reveal_commitment_through_the_loopback_is_revealed_into_history() {
    let mem = chain();
    let node = LoopbackNode::start(mem.clone()).await.unwrap();
    let live = SubtensorChain::connect(config(node.url())).await.unwrap();
    let beacon = TestBeacon::from_seed(b"miner");
    let charlie = key("//Charlie");
    let writer = live.signer(charlie.clone()).with_beacon(beacon.beacon());
    let text = r#"{"model":"leoma/m","revision":"r1"}"#;
    let before = now() as u64;
    let inc = writer.set_reveal_commitment(NETUID, text, 1).await.unwrap();
    let after = now() as u64;
    let rounds = leoma_chain::timelock::commitment_reveal_round(before, 1)
        ..=leoma_chain::timelock::commitment_reveal_round(after, 1);
    assert!(rounds.contains(&inc.reveal_round));
    // Stored as one TimelockEncrypted field that opens to the SCALE string.
    let raw = mem
        .with_subnet(NETUID, |s| s.commitments.get(charlie.hotkey()).cloned())
        .unwrap();
    let reg = Registration::decode_all(&raw).unwrap();
    let [
        Data::TimelockEncrypted {
            encrypted,
            reveal_round,
        },
    ] = reg.fields.as_slice()
    else {
        panic!("not one timelocked field: {:?}", reg.fields);
    };
    assert_eq!(*reveal_round, inc.reveal_round);
    assert!(encrypted.len() <= 1024);
    assert_eq!(
        decrypt(encrypted, &beacon.signature(*reveal_round)).unwrap(),
        commitment_plaintext(text)
    );
    // The chain reveals it; validators read it from RevealedCommitments.
    assert_eq!(mem.reveal_commitments(NETUID, |_| None), 0, "no pulse yet");
    assert_eq!(
        mem.reveal_commitments(NETUID, |r| Some(beacon.signature(r))),
        1
    );
    let history = live.revealed_commitments(NETUID, At::Best).await.unwrap();
    let h = history.get(charlie.hotkey()).unwrap().as_ref().unwrap();
    assert_eq!(h.len(), 1);
    assert_eq!(h[0].text, text);
    assert_eq!(h[0].reveal_block, u64::from(mem.best().number));
}

#[tokio::test]
async fn memwriter_commits_when_the_chain_requires_it() {
    let mem = chain();
    let beacon = TestBeacon::from_seed(b"mem");
    let bob = key("//Bob");
    let w = MemWriter::new(mem.clone(), bob.hotkey().clone()).with_beacon(beacon.beacon());
    WeightSetter::set_weights(&w, NETUID, &weights())
        .await
        .unwrap();
    assert!(mem.submissions().is_empty());
    let subs = mem.commit_submissions();
    assert_eq!(subs.len(), 1);
    assert_eq!(subs[0].result, Ok(()));
    let plain = decrypt(&subs[0].commit, &beacon.signature(subs[0].reveal_round)).unwrap();
    assert_eq!(
        WeightsTlockPayload::decode(&mut plain.as_slice())
            .unwrap()
            .uids,
        vec![2, 0]
    );
    // Unrevealed commits are capped at 10 per hotkey.
    mem.with_subnet(NETUID, |s| s.weights_set_rate_limit = 0);
    for _ in 0..9 {
        WeightSetter::set_weights(&w, NETUID, &weights())
            .await
            .unwrap();
    }
    let e = WeightSetter::set_weights(&w, NETUID, &weights())
        .await
        .unwrap_err();
    assert!(
        matches!(&e, ChainError::WeightsRejected(WeightRejection::Other { error, .. }) if error == "TooManyUnrevealedCommits"),
        "{e}"
    );
    // All ten open with their pulses and apply.
    let outcomes = mem.reveal_timelocked_weights(NETUID, |r| Some(beacon.signature(r)));
    assert_eq!(outcomes.len(), 10);
    assert!(outcomes.iter().all(|o| o.result == Ok(weights())));
    // Plain weights once commit-reveal is off.
    mem.with_subnet(NETUID, |s| s.commit_reveal_enabled = false);
    WeightSetter::set_weights(&w, NETUID, &weights())
        .await
        .unwrap();
    assert_eq!(mem.submissions().len(), 1);
    assert_eq!(mem.commit_submissions().len(), 11);
    // Encoding check against the payload SPEC names (hotkey, uids, values, version key).
    let p = WeightsTlockPayload {
        hotkey: bob.hotkey().public_key().to_vec(),
        uids: vec![2, 0],
        values: vec![65535, 0],
        version_key: 2,
    };
    assert_eq!(p.encode().len(), 1 + 32 + 1 + 4 + 1 + 4 + 8);
}
