//! `RosterLoop`: the miner-validation loop (SPEC §1.2 loop 1, §6.1). Every interval (the first
//! pass at once) it reads the blacklist through the [`Reporter`] (falling back to the cached
//! one), validates every miner, publishes the snapshot on a `watch` channel, persists it, and
//! best-effort reports it. A failed pass keeps the previous snapshot.

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::watch;
use tokio_util::sync::CancellationToken;

use super::error::RosterError;
use super::miner::RosterSnapshot;
use super::state::{RosterState, empty_snapshot};
use super::validate::Roster;
use crate::report::{ReportError, Reporter};

/// Settings of the loop.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RosterLoopSettings {
    /// `MINER_VALIDATION_INTERVAL` (300 s): time between the starts of two passes.
    pub interval: Duration,
}

impl Default for RosterLoopSettings {
    fn default() -> Self {
        RosterLoopSettings {
            interval: Duration::from_secs(300),
        }
    }
}

/// Sees the result of every pass (metrics); called on the loop's task, so it must be quick.
pub type PassObserver = Arc<dyn Fn(Result<&RosterSnapshot, &RosterError>) + Send + Sync>;

/// The miner-validation loop. Readers hold a [`watch::Receiver`] from
/// [`RosterLoop::subscribe`] and always see the newest snapshot; before the first pass that is
/// the persisted snapshot, or an empty one (`block` 0, no miners).
pub struct RosterLoop {
    roster: Roster,
    reporter: Arc<dyn Reporter>,
    settings: RosterLoopSettings,
    state: RosterState,
    tx: watch::Sender<Arc<RosterSnapshot>>,
    /// The last pass failure, so a failing streak is logged once.
    last_failure: Mutex<Option<String>>,
    observer: Option<PassObserver>,
}

impl std::fmt::Debug for RosterLoop {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RosterLoop")
            .field("settings", &self.settings)
            .field("state", &self.state)
            .finish_non_exhaustive()
    }
}

/// Where a pass's blacklist came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BlacklistSource {
    /// Fetched from the owner-api now (and cached).
    Fetched,
    /// The owner-api failed or is not configured: the last cached list.
    Cached,
    /// The owner-api failed or is not configured and nothing was ever cached: empty.
    Empty,
}

impl RosterLoop {
    /// A loop over `roster`, reporting through `reporter`, keeping its files in `state_dir`.
    /// The persisted snapshot, if readable, is published at once.
    pub fn new(
        roster: Roster,
        reporter: Arc<dyn Reporter>,
        settings: RosterLoopSettings,
        state_dir: PathBuf,
    ) -> Self {
        let state = RosterState::new(state_dir);
        let initial = state.load_snapshot().unwrap_or_else(empty_snapshot);
        let (tx, _) = watch::channel(Arc::new(initial));
        RosterLoop {
            roster,
            reporter,
            settings,
            state,
            tx,
            last_failure: Mutex::new(None),
            observer: None,
        }
    }

    /// Calls `observer` with the result of every pass, successful or not.
    pub fn with_observer(mut self, observer: PassObserver) -> Self {
        self.observer = Some(observer);
        self
    }

    /// A receiver of the newest snapshot.
    pub fn subscribe(&self) -> watch::Receiver<Arc<RosterSnapshot>> {
        self.tx.subscribe()
    }

    /// The newest snapshot.
    pub fn current(&self) -> Arc<RosterSnapshot> {
        self.tx.borrow().clone()
    }

    /// Runs passes every `interval` (the first at once) until `cancel` fires; a pass in
    /// progress is abandoned on cancellation (state files are only ever replaced whole).
    pub async fn run(self, cancel: CancellationToken) {
        let mut ticks = tokio::time::interval(self.settings.interval.max(Duration::from_millis(1)));
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                () = cancel.cancelled() => break,
                _ = ticks.tick() => {}
            }
            tokio::select! {
                () = cancel.cancelled() => break,
                // Failures are logged inside; the previous snapshot stays published.
                _ = self.pass_once() => {}
            }
        }
        tracing::info!("roster loop stopped");
    }

    /// One pass (SPEC §6.1): blacklist, validation, publish, persist, report. On `Err` (the
    /// chain could not be read) the previous snapshot stays published and no snapshot is
    /// persisted or reported.
    pub async fn pass_once(&self) -> Result<Arc<RosterSnapshot>, RosterError> {
        let (blacklist, _) = self.blacklist().await;
        let snapshot = match self.roster.validate(&blacklist).await {
            Ok(s) => Arc::new(s),
            Err(e) => {
                self.note_failure(&e);
                if let Some(o) = &self.observer {
                    o(Err(&e));
                }
                return Err(e);
            }
        };
        self.note_success(&snapshot);
        if let Some(o) = &self.observer {
            o(Ok(&snapshot));
        }
        self.tx.send_replace(snapshot.clone());
        if let Err(e) = self.state.store_snapshot(&snapshot) {
            tracing::warn!(error = %e, dir = %self.state.dir().display(), "cannot persist the miner snapshot");
        }
        match self.reporter.report_miners(&snapshot.report()).await {
            Ok(()) => tracing::debug!(miners = snapshot.miners.len(), "miner report sent"),
            Err(ReportError::NotConfigured) => {}
            Err(e) => tracing::warn!(error = %e, "miner report failed"),
        }
        Ok(snapshot)
    }

    /// The blacklist for this pass (SPEC §6.1 step 1): fetched and cached, else the cache, else
    /// empty.
    pub async fn blacklist(&self) -> (BTreeSet<String>, BlacklistSource) {
        match self.reporter.blacklist().await {
            Ok(list) => {
                let set: BTreeSet<String> = list.into_iter().collect();
                if let Err(e) = self.state.store_blacklist(&set) {
                    tracing::warn!(error = %e, dir = %self.state.dir().display(), "cannot cache the blacklist");
                }
                (set, BlacklistSource::Fetched)
            }
            Err(e) => {
                if e != ReportError::NotConfigured {
                    tracing::warn!(error = %e, "blacklist fetch failed; using the cached list");
                }
                match self.state.load_blacklist() {
                    Some(set) => (set, BlacklistSource::Cached),
                    None => (BTreeSet::new(), BlacklistSource::Empty),
                }
            }
        }
    }

    fn note_failure(&self, e: &RosterError) {
        let text = e.to_string();
        let mut last = self
            .last_failure
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if last.as_deref() == Some(text.as_str()) {
            tracing::debug!(error = %text, "miner validation pass failed again");
        } else {
            tracing::warn!(error = %text, "miner validation pass failed; keeping the previous snapshot");
            *last = Some(text);
        }
    }

    fn note_success(&self, snapshot: &RosterSnapshot) {
        let recovered = self
            .last_failure
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .take()
            .is_some();
        let valid = snapshot.valid_miners().count();
        if recovered {
            tracing::info!(
                block = snapshot.block,
                miners = snapshot.miners.len(),
                valid,
                "miner validation recovered"
            );
        } else {
            tracing::info!(
                block = snapshot.block,
                miners = snapshot.miners.len(),
                valid,
                "miner validation pass done"
            );
        }
    }
}
