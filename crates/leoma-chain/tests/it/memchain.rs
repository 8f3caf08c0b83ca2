//! `MemChain` behaviour: blocks, finality, history and the weight checks.

use leoma_chain::mem::MemChain;
use leoma_chain::{At, ChainError, ChainReader, Keypair, WeightRejection, WeightVector};

fn hk(uri: &str) -> leoma_api_types::Hotkey {
    Keypair::from_uri(uri).unwrap().hotkey().clone()
}

#[tokio::test]
async fn blocks_finality_and_history() {
    let mem = MemChain::new();
    assert_eq!(mem.best().number, 0);
    mem.with_subnet(1, |s| s.weights_version_key = 1);
    mem.advance(10);
    mem.with_subnet(1, |s| s.weights_version_key = 2);
    mem.set_finality_lag(3);
    assert_eq!(mem.best().number, 10);
    assert_eq!(mem.finalized().number, 7);
    assert_ne!(mem.best().hash, mem.finalized().hash);
    let me = hk("//Alice");
    assert_eq!(
        mem.weight_params(1, &me, At::Number(5))
            .await
            .unwrap()
            .version_key,
        1
    );
    assert_eq!(
        mem.weight_params(1, &me, At::Best)
            .await
            .unwrap()
            .version_key,
        2
    );
    assert!(matches!(
        mem.metagraph(1, At::Number(11)).await,
        Err(ChainError::BlockNotFound(11))
    ));
}

#[test]
fn records_submissions_and_enforces_checks() {
    let mem = MemChain::new();
    let (v, m) = (hk("//Bob"), hk("//Charlie"));
    mem.with_subnet(3, |s| {
        let uid = s.register(v.clone(), v.clone());
        s.register(m.clone(), m.clone());
        s.neurons[usize::from(uid)].validator_permit = true;
        s.weights_set_rate_limit = 10;
    });
    let w = WeightVector {
        uids: vec![1],
        values: vec![5],
        version_key: 0,
    };
    let first = mem.apply_set_weights(&v, 3, &w).unwrap();
    assert_eq!(first.number, 1);
    assert_eq!(
        mem.apply_set_weights(&v, 3, &w),
        Err(WeightRejection::RateLimit)
    );
    mem.advance(9);
    assert_eq!(mem.apply_set_weights(&v, 3, &w).unwrap().number, 11);
    assert_eq!(
        mem.apply_set_weights(
            &m,
            3,
            &WeightVector {
                uids: vec![0],
                ..w.clone()
            }
        ),
        Err(WeightRejection::NoPermit)
    );
    assert_eq!(
        mem.apply_set_weights(&hk("//Eve"), 3, &w),
        Err(WeightRejection::NotRegistered)
    );
    let subs = mem.submissions();
    assert_eq!(subs.len(), 5);
    assert_eq!(subs.iter().filter(|s| s.result.is_ok()).count(), 2);
    assert_eq!(subs[1].block, 2);
}
