-- The reference owner-api schema (SPEC §9.6), created only where absent so an existing reference
-- database is taken over as is.
CREATE TABLE IF NOT EXISTS valid_miners (
    uid INTEGER PRIMARY KEY,
    miner_hotkey VARCHAR(64) NOT NULL UNIQUE,
    block INTEGER,
    model_name VARCHAR(255),
    model_revision VARCHAR(64),
    model_hash VARCHAR(64),
    chute_id VARCHAR(255),
    chute_slug VARCHAR(255),
    is_valid BOOLEAN NOT NULL DEFAULT FALSE,
    invalid_reason VARCHAR(255),
    last_validated_at TIMESTAMPTZ,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS ix_valid_miners_is_valid ON valid_miners (is_valid);
CREATE INDEX IF NOT EXISTS ix_valid_miners_miner_hotkey ON valid_miners (miner_hotkey);

CREATE TABLE IF NOT EXISTS sampling_state (
    key VARCHAR(255) PRIMARY KEY,
    value TEXT,
    updated_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE IF NOT EXISTS validator_samples (
    id SERIAL PRIMARY KEY,
    validator_hotkey VARCHAR(64) NOT NULL,
    task_id INTEGER NOT NULL,
    miner_hotkey VARCHAR(64) NOT NULL,
    prompt TEXT,
    s3_bucket VARCHAR(255) NOT NULL,
    s3_prefix VARCHAR(512) NOT NULL,
    passed BOOLEAN NOT NULL,
    confidence INTEGER,
    reasoning TEXT,
    latency_ms INTEGER,
    original_artifacts TEXT,
    generated_artifacts TEXT,
    presentation_order VARCHAR(64),
    evaluated_at TIMESTAMPTZ DEFAULT now(),
    CONSTRAINT uq_validator_task_miner UNIQUE (validator_hotkey, task_id, miner_hotkey)
);
CREATE INDEX IF NOT EXISTS ix_validator_samples_validator ON validator_samples (validator_hotkey);
CREATE INDEX IF NOT EXISTS ix_validator_samples_miner ON validator_samples (miner_hotkey);
CREATE INDEX IF NOT EXISTS ix_validator_samples_task_id ON validator_samples (task_id);
CREATE INDEX IF NOT EXISTS ix_validator_samples_evaluated_at ON validator_samples (evaluated_at);

CREATE TABLE IF NOT EXISTS rank_scores (
    id SERIAL PRIMARY KEY,
    miner_hotkey VARCHAR(64) NOT NULL,
    validator_hotkey VARCHAR(64) NOT NULL,
    score DOUBLE PRECISION NOT NULL,
    total_samples INTEGER NOT NULL,
    total_passed INTEGER NOT NULL,
    pass_rate DOUBLE PRECISION NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    CONSTRAINT uq_rank_scores_miner_validator UNIQUE (miner_hotkey, validator_hotkey)
);
CREATE INDEX IF NOT EXISTS ix_rank_scores_miner ON rank_scores (miner_hotkey);
CREATE INDEX IF NOT EXISTS ix_rank_scores_validator ON rank_scores (validator_hotkey);

CREATE TABLE IF NOT EXISTS blacklist (
    id SERIAL PRIMARY KEY,
    hotkey VARCHAR(64) NOT NULL UNIQUE,
    reason VARCHAR(255),
    added_by VARCHAR(64),
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE IF NOT EXISTS validators (
    uid INTEGER PRIMARY KEY,
    hotkey VARCHAR(64) NOT NULL UNIQUE,
    stake DOUBLE PRECISION NOT NULL DEFAULT 0,
    s3_bucket VARCHAR(255),
    last_seen_at TIMESTAMPTZ,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE IF NOT EXISTS evaluation_signatures (
    task_id INTEGER NOT NULL,
    validator_hotkey VARCHAR(64) NOT NULL,
    signature VARCHAR(256) NOT NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (task_id, validator_hotkey)
);

CREATE TABLE IF NOT EXISTS miner_ranks (
    miner_hotkey VARCHAR(64) PRIMARY KEY,
    rank INTEGER NOT NULL,
    passed_count INTEGER NOT NULL,
    pass_rate DOUBLE PRECISION NOT NULL,
    block INTEGER,
    updated_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS ix_miner_ranks_rank ON miner_ranks (rank);

CREATE TABLE IF NOT EXISTS validator_miner_reports (
    validator_hotkey VARCHAR(64) NOT NULL,
    miner_hotkey VARCHAR(64) NOT NULL,
    uid INTEGER NOT NULL,
    block INTEGER,
    model_name VARCHAR(255),
    model_revision VARCHAR(64),
    model_hash VARCHAR(64),
    chute_id VARCHAR(255),
    chute_slug VARCHAR(255),
    is_valid BOOLEAN NOT NULL,
    invalid_reason VARCHAR(255),
    reported_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (validator_hotkey, miner_hotkey)
);
CREATE INDEX IF NOT EXISTS ix_validator_miner_reports_validator ON validator_miner_reports (validator_hotkey);
CREATE INDEX IF NOT EXISTS ix_validator_miner_reports_miner ON validator_miner_reports (miner_hotkey);

CREATE TABLE IF NOT EXISTS miner_task_ranks (
    miner_hotkey VARCHAR(64) PRIMARY KEY,
    task_passed_count INTEGER NOT NULL,
    tasks_evaluated INTEGER NOT NULL,
    completeness DOUBLE PRECISION NOT NULL,
    rank INTEGER,
    updated_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
