//! `status` and `rank`: what validators think of a miner (the local checks, [`crate::checks`])
//! next to what the owner-api reports (consensus validity, rank, eligibility), as text or JSON.

use std::fmt::Write as _;

use leoma_api_types::Hotkey;
use leoma_api_types::owner_api::{MinerResponse, RankEntry, RankResponse};
use serde::Serialize;

use crate::checks::{
    CheckLine, CheckOptions, CheckStatus, MinerCheck, Services, Verdict, check_miner,
};
use crate::error::MinerError;
use crate::owner_api::OwnerApi;

/// The whole `status` command: the blacklist, the validator's checks for `hotkey`, then the
/// owner-api's view. Only a chain failure is an error; an unreachable owner-api is reported in
/// the result.
pub async fn gather(
    services: &Services,
    api: &OwnerApi,
    hotkey: &Hotkey,
    whole_subnet: bool,
) -> Result<StatusReport, MinerError> {
    let blacklist = api.blacklist().await;
    if let Err(e) = &blacklist {
        tracing::warn!(error = %e, "blacklist unavailable; that check is skipped");
    }
    let options = CheckOptions {
        proposed: None,
        whole_subnet,
    };
    let check = check_miner(services, hotkey, blacklist.as_ref().ok(), &options).await?;
    let view = owner_view(api, &check.hotkey).await;
    Ok(StatusReport::new(&check, view))
}

/// The owner-api's rank and consensus rows for `hotkey`.
pub async fn owner_view(api: &OwnerApi, hotkey: &str) -> OwnerApiView {
    let mut view = OwnerApiView {
        url: api.base_url().to_owned(),
        error: None,
        rank: None,
        ranked: 0,
        miner: None,
    };
    match api.rank().await {
        Ok(ranks) => {
            view.ranked = ranks.ranks.len();
            view.rank = ranks.ranks.into_iter().find(|r| r.miner_hotkey == hotkey);
        }
        Err(e) => {
            view.error = Some(e.to_string());
            return view;
        }
    }
    match api.miner(hotkey).await {
        Ok(m) => view.miner = m,
        Err(e) => view.error = Some(e.to_string()),
    }
    view
}

/// The owner-api's view of a miner.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OwnerApiView {
    /// The base URL asked.
    pub url: String,
    /// Why it could not be read, if it could not.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// The leaderboard row (`GET /scores/rank`), if the miner is ranked.
    pub rank: Option<RankEntry>,
    /// Ranked miners in total.
    pub ranked: usize,
    /// The consensus row (`GET /miners/info/{hotkey}`), if known.
    pub miner: Option<MinerResponse>,
}

/// Everything `status` prints.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StatusReport {
    /// The miner.
    pub hotkey: String,
    /// The subnet.
    pub netuid: u16,
    /// The block the checks read.
    pub block: u32,
    /// The miner's uid.
    pub uid: Option<u16>,
    /// `valid`, `invalid`, `not_registered` or `no_commitment`.
    pub verdict: &'static str,
    /// The validator reason when invalid.
    pub reason: Option<String>,
    /// Every check, in validator order.
    pub checks: Vec<CheckLine>,
    /// The owner-api's view.
    pub owner_api: OwnerApiView,
}

impl StatusReport {
    /// Assembles the report.
    pub fn new(check: &MinerCheck, owner_api: OwnerApiView) -> Self {
        let (verdict, reason) = match check.verdict() {
            Verdict::Valid => ("valid", None),
            Verdict::Invalid(r) => ("invalid", Some(r.as_wire())),
            Verdict::NotRegistered => ("not_registered", None),
            Verdict::NoCommitment => ("no_commitment", None),
        };
        StatusReport {
            hotkey: check.hotkey.clone(),
            netuid: check.netuid,
            block: check.block,
            uid: check.uid,
            verdict,
            reason,
            checks: check.ladder(),
            owner_api,
        }
    }

    /// Whether validators will sample this miner.
    pub fn is_valid(&self) -> bool {
        self.verdict == "valid"
    }

    /// The human-readable form.
    pub fn render(&self) -> String {
        let mut s = String::new();
        let uid = self
            .uid
            .map_or_else(|| "no uid".to_owned(), |u| format!("uid {u}"));
        let _ = writeln!(
            s,
            "miner {} on subnet {} at block {} ({uid})",
            self.hotkey, self.netuid, self.block
        );
        for line in &self.checks {
            let tag = match line.status {
                CheckStatus::Pass => "pass",
                CheckStatus::Fail => "FAIL",
                CheckStatus::NotReached => " -- ",
                CheckStatus::Skipped => "skip",
            };
            let detail = match (line.status, &line.detail) {
                (CheckStatus::NotReached, _) => "not reached",
                (_, Some(d)) => d.as_str(),
                (_, None) => "",
            };
            let _ = writeln!(s, "  [{tag}] {:<22} {detail}", line.check);
        }
        let verdict = match (&self.reason, self.verdict) {
            (Some(r), _) => format!("INVALID ({r})"),
            (None, "valid") => "VALID: validators will sample this miner".to_owned(),
            (None, other) => other.replace('_', " "),
        };
        let _ = writeln!(s, "verdict: {verdict}");
        let api = &self.owner_api;
        if let Some(e) = &api.error {
            let _ = writeln!(s, "owner-api {}: unavailable ({e})", api.url);
            return s;
        }
        let rank = match &api.rank {
            Some(r) => format!(
                "rank #{} of {}, {} passes ({:.1}%), eligible={}",
                r.rank,
                api.ranked,
                r.passed_count,
                r.pass_rate * 100.0,
                r.eligible
            ),
            None => "not ranked".to_owned(),
        };
        let consensus = match &api.miner {
            Some(m) if m.is_valid => "valid".to_owned(),
            Some(m) => format!(
                "invalid ({})",
                m.invalid_reason.as_deref().unwrap_or("no reason")
            ),
            None => "unknown miner".to_owned(),
        };
        let _ = writeln!(s, "owner-api {}: {rank}; consensus: {consensus}", api.url);
        s
    }
}

/// The leaderboard as a table.
pub fn render_rank(ranks: &RankResponse) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "{:<6} {:<5} {:<9} {:<50} {:>7} {:>9}  ELIGIBLE",
        "RANK", "UID", "BLOCK", "HOTKEY", "PASSED", "PASS RATE"
    );
    for r in &ranks.ranks {
        let opt = |v: Option<i64>| v.map_or_else(|| "-".to_owned(), |x| x.to_string());
        let _ = writeln!(
            s,
            "{:<6} {:<5} {:<9} {:<50} {:>7} {:>8.1}%  {}",
            format!("#{}", r.rank),
            opt(r.uid),
            opt(r.block),
            r.miner_hotkey,
            r.passed_count,
            r.pass_rate * 100.0,
            if r.eligible { "yes" } else { "no" }
        );
    }
    let _ = writeln!(s, "{} ranked miner(s)", ranks.ranks.len());
    s
}
