//! `allowlist publish` core (SPEC §9.9): owner check first, upload, then commit.

use std::sync::Arc;

use leoma_api_types::Hotkey;
use leoma_api_types::allowlist::{AllowlistV1, AllowlistV2};
use leoma_chain::mem::{MemChain, MemWriter};
use leoma_owner_api::publish::{PublishError, publish_v1, publish_v2, read_v2_input};
use leoma_storage::{BucketReader, ObjectBucket};

use crate::support::*;

fn setup(owner: u8) -> Arc<MemChain> {
    let chain = Arc::new(MemChain::new());
    chain.with_subnet(99, |s| {
        let owner = Hotkey::parse(&hk(owner)).unwrap();
        // Only registered hotkeys may commit (Commitments pallet).
        s.register(owner.clone(), owner.clone());
        s.register(Hotkey::parse(&hk(V1)).unwrap(), owner.clone());
        s.owner_hotkey = Some(owner);
    });
    chain
}

#[tokio::test]
async fn v1_is_uploaded_then_committed_by_the_owner_only() {
    let chain = setup(ADMIN);
    let bucket = ObjectBucket::memory("source");
    let validators = vec![hk(V2), hk(V1)];
    let intruder = MemWriter::new(chain.clone(), Hotkey::parse(&hk(V1)).unwrap());
    let err = publish_v1(&validators, 100, &bucket, chain.as_ref(), &intruder, 99)
        .await
        .unwrap_err();
    assert!(matches!(err, PublishError::NotOwner { .. }), "{err}");
    assert!(
        bucket
            .get("allowlist/v1.json", 1 << 20)
            .await
            .unwrap()
            .is_none(),
        "nothing uploaded"
    );
    let owner = MemWriter::new(chain.clone(), Hotkey::parse(&hk(ADMIN)).unwrap());
    let p = publish_v1(&validators, 100, &bucket, chain.as_ref(), &owner, 99)
        .await
        .unwrap();
    let bytes = bucket
        .get("allowlist/v1.json", 1 << 20)
        .await
        .unwrap()
        .unwrap();
    let expected = AllowlistV1::new(validators.clone(), 100).unwrap();
    assert_eq!(bytes, expected.to_bytes());
    assert_eq!(p.commitment, format!("leoma:allowlist:v1:{}", p.digest));
    let committed = chain.with_subnet(99, |s| {
        s.commitments
            .get(&Hotkey::parse(&hk(ADMIN)).unwrap())
            .cloned()
    });
    let committed = committed.expect("commitment written");
    assert!(String::from_utf8_lossy(&committed).contains(&p.commitment));
}

#[tokio::test]
async fn v2_input_file_is_validated_and_content_addressed() {
    let chain = setup(ADMIN);
    let bucket = ObjectBucket::memory("source");
    let input = serde_json::json!({"validators": [
        {"hotkey": hk(V1), "bucket": "val-one", "endpoint": "https://s3.example.com", "region": "auto"},
        {"hotkey": hk(V2), "bucket": "val-two", "endpoint": "https://s3.example.com"}
    ]});
    let list = read_v2_input(input.to_string().as_bytes()).unwrap();
    assert_eq!(list.validators().len(), 2);
    // A canonical v2 file is accepted as is.
    assert_eq!(read_v2_input(&list.to_bytes()).unwrap(), list);
    let bad = serde_json::json!({"validators": [{"hotkey": "nope", "bucket": "b", "endpoint": "https://x"}]});
    assert!(read_v2_input(bad.to_string().as_bytes()).is_err());
    let owner = MemWriter::new(chain.clone(), Hotkey::parse(&hk(ADMIN)).unwrap());
    let p = publish_v2(&list, &bucket, chain.as_ref(), &owner, 99)
        .await
        .unwrap();
    let stored = bucket
        .get(&list.object_key(), 1 << 20)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(AllowlistV2::parse(&stored).unwrap(), list);
    assert_eq!(p.digest, list.digest());
}
