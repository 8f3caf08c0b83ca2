//! The devnet end to end: three validators running the real roster, turn and weight-epoch code
//! against one `MemChain`, five simulated miners (faithful, copycat, frozen, blurred,
//! flickering), one validator stopped in the middle of its turn. Needs `ffmpeg`/`ffprobe` on
//! `PATH` (apt-get install -y ffmpeg).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use leoma_validator::devnet::{Devnet, DevnetOptions};

fn counter(text: &str, name: &str, label: Option<&str>) -> u64 {
    text.lines()
        .filter(|l| !l.starts_with('#'))
        .filter(|l| l.starts_with(name) && label.is_none_or(|lb| l.contains(lb)))
        .filter_map(|l| l.rsplit(' ').next()?.parse::<u64>().ok())
        .sum()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_epochs_agree_the_best_miner_wins_and_failover_covers_a_stopped_validator() {
    let opts = DevnetOptions {
        epochs: 3,
        crash_one: true,
        ..DevnetOptions::default()
    };
    let devnet = Devnet::start(opts)
        .await
        .expect("devnet starts (is ffmpeg installed?)");
    let summary = devnet.run().await.expect("devnet finishes");
    let name_of = |uid: u16| {
        summary
            .miners
            .iter()
            .find(|m| m.uid == uid)
            .map(|m| m.name.clone())
    };

    // Every validator submits the same weights each epoch.
    assert_eq!(summary.epochs.len(), 3, "{summary:#?}");
    for e in &summary.epochs {
        assert_eq!(
            e.weights.len(),
            3,
            "epoch {}: {:?}",
            e.epoch_block,
            e.weights
        );
        let first = e.weights.values().next().unwrap();
        for (v, s) in &e.weights {
            assert_eq!(
                (&s.uids, &s.values),
                (&first.uids, &first.values),
                "{v} at {}",
                e.epoch_block
            );
            assert!(
                s.included,
                "{v}'s weights were included at {}",
                e.epoch_block
            );
        }
    }
    assert!(summary.agree());

    // The faithful miner wins once tasks are scored; the copycat and the frozen miner never win.
    let last = summary.epochs.last().unwrap();
    assert_eq!(last.winner, "m0-faithful", "{summary:#?}");
    for e in &summary.epochs {
        assert!(
            e.winner == "burn" || e.winner == "m0-faithful",
            "epoch {} won by {}",
            e.epoch_block,
            e.winner
        );
        if e.winner_uid != 0 {
            let n = name_of(e.winner_uid).unwrap();
            assert!(!n.contains("copycat") && !n.contains("frozen"), "{n}");
        }
    }

    // Failover: the stopped validator was the primary of a task another validator produced.
    assert_eq!(summary.stopped.len(), 1, "{summary:#?}");
    let stopped = &summary.stopped[0];
    let order: Vec<&String> = summary.validators.keys().collect(); // v0, v1, v2 = rotation order
    let covered = summary.produced.iter().any(|(rid, producer)| {
        let primary = order[usize::try_from(*rid).unwrap() % order.len()];
        primary == stopped && producer != stopped
    });
    assert!(
        covered,
        "no task of {stopped} was covered: {:?}",
        summary.produced
    );

    // The metrics endpoint reports the turns and epochs that happened.
    let client = reqwest::Client::new();
    let mut produced_turns = 0;
    for i in 0..3 {
        let url = devnet.metrics_url(i).unwrap();
        let text = client.get(&url).send().await.unwrap().text().await.unwrap();
        let epochs = counter(&text, "leoma_epochs_total", None);
        let v = format!("v{i}");
        assert_eq!(epochs, summary.metrics[&v]["epochs"], "{v}: {text}");
        assert!(epochs >= 3, "{v} processed {epochs} epochs");
        produced_turns += counter(&text, "leoma_turns_total", Some("outcome=\"produced\""));
        let health = client
            .get(url.replace("/metrics", "/health"))
            .send()
            .await
            .unwrap();
        assert_eq!(health.status(), 200);
    }
    assert!(
        produced_turns >= summary.produced.len() as u64 && produced_turns >= 1,
        "{produced_turns} produced turns in the metrics, {} tasks produced",
        summary.produced.len()
    );
}
