-- The owner-api schema (SPEC §9.6) for the embedded SQLite store. Column types are INTEGER, REAL
-- and TEXT only: booleans are 0/1 and timestamps are ISO-8601 UTC text in one fixed format, so
-- they sort as text.
CREATE TABLE IF NOT EXISTS valid_miners (
    uid INTEGER PRIMARY KEY,
    miner_hotkey TEXT NOT NULL UNIQUE,
    block INTEGER,
    model_name TEXT,
    model_revision TEXT,
    model_hash TEXT,
    chute_id TEXT,
    chute_slug TEXT,
    is_valid INTEGER NOT NULL DEFAULT 0,
    invalid_reason TEXT,
    last_validated_at TEXT,
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%f000+00:00', 'now')),
    updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%f000+00:00', 'now'))
);
CREATE INDEX IF NOT EXISTS ix_valid_miners_is_valid ON valid_miners (is_valid);
CREATE INDEX IF NOT EXISTS ix_valid_miners_miner_hotkey ON valid_miners (miner_hotkey);

CREATE TABLE IF NOT EXISTS sampling_state (
    key TEXT PRIMARY KEY,
    value TEXT,
    updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%f000+00:00', 'now'))
);

CREATE TABLE IF NOT EXISTS validator_samples (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    validator_hotkey TEXT NOT NULL,
    task_id INTEGER NOT NULL,
    miner_hotkey TEXT NOT NULL,
    prompt TEXT,
    s3_bucket TEXT NOT NULL,
    s3_prefix TEXT NOT NULL,
    passed INTEGER NOT NULL,
    confidence INTEGER,
    reasoning TEXT,
    latency_ms INTEGER,
    original_artifacts TEXT,
    generated_artifacts TEXT,
    presentation_order TEXT,
    evaluated_at TEXT DEFAULT (strftime('%Y-%m-%dT%H:%M:%f000+00:00', 'now')),
    CONSTRAINT uq_validator_task_miner UNIQUE (validator_hotkey, task_id, miner_hotkey)
);
CREATE INDEX IF NOT EXISTS ix_validator_samples_validator ON validator_samples (validator_hotkey);
CREATE INDEX IF NOT EXISTS ix_validator_samples_miner ON validator_samples (miner_hotkey);
CREATE INDEX IF NOT EXISTS ix_validator_samples_task_id ON validator_samples (task_id);
CREATE INDEX IF NOT EXISTS ix_validator_samples_evaluated_at ON validator_samples (evaluated_at);

CREATE TABLE IF NOT EXISTS rank_scores (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    miner_hotkey TEXT NOT NULL,
    validator_hotkey TEXT NOT NULL,
    score REAL NOT NULL,
    total_samples INTEGER NOT NULL,
    total_passed INTEGER NOT NULL,
    pass_rate REAL NOT NULL,
    updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%f000+00:00', 'now')),
    CONSTRAINT uq_rank_scores_miner_validator UNIQUE (miner_hotkey, validator_hotkey)
);
CREATE INDEX IF NOT EXISTS ix_rank_scores_miner ON rank_scores (miner_hotkey);
CREATE INDEX IF NOT EXISTS ix_rank_scores_validator ON rank_scores (validator_hotkey);

CREATE TABLE IF NOT EXISTS blacklist (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    hotkey TEXT NOT NULL UNIQUE,
    reason TEXT,
    added_by TEXT,
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%f000+00:00', 'now'))
);

CREATE TABLE IF NOT EXISTS validators (
    uid INTEGER PRIMARY KEY,
    hotkey TEXT NOT NULL UNIQUE,
    stake REAL NOT NULL DEFAULT 0,
    s3_bucket TEXT,
    last_seen_at TEXT,
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%f000+00:00', 'now'))
);

CREATE TABLE IF NOT EXISTS evaluation_signatures (
    task_id INTEGER NOT NULL,
    validator_hotkey TEXT NOT NULL,
    signature TEXT NOT NULL,
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%f000+00:00', 'now')),
    PRIMARY KEY (task_id, validator_hotkey)
);

CREATE TABLE IF NOT EXISTS miner_ranks (
    miner_hotkey TEXT PRIMARY KEY,
    rank INTEGER NOT NULL,
    passed_count INTEGER NOT NULL,
    pass_rate REAL NOT NULL,
    block INTEGER,
    updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%f000+00:00', 'now'))
);
CREATE INDEX IF NOT EXISTS ix_miner_ranks_rank ON miner_ranks (rank);

CREATE TABLE IF NOT EXISTS validator_miner_reports (
    validator_hotkey TEXT NOT NULL,
    miner_hotkey TEXT NOT NULL,
    uid INTEGER NOT NULL,
    block INTEGER,
    model_name TEXT,
    model_revision TEXT,
    model_hash TEXT,
    chute_id TEXT,
    chute_slug TEXT,
    is_valid INTEGER NOT NULL,
    invalid_reason TEXT,
    reported_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%f000+00:00', 'now')),
    PRIMARY KEY (validator_hotkey, miner_hotkey)
);
CREATE INDEX IF NOT EXISTS ix_validator_miner_reports_validator ON validator_miner_reports (validator_hotkey);
CREATE INDEX IF NOT EXISTS ix_validator_miner_reports_miner ON validator_miner_reports (miner_hotkey);

CREATE TABLE IF NOT EXISTS miner_task_ranks (
    miner_hotkey TEXT PRIMARY KEY,
    task_passed_count INTEGER NOT NULL,
    tasks_evaluated INTEGER NOT NULL,
    completeness REAL NOT NULL,
    rank INTEGER,
    updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%f000+00:00', 'now'))
);
