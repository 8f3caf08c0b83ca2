-- Rust additions (SPEC §9.6): v2 entry status and reason on samples, and whether a stored batch
-- signature verified (and under which verdict scheme).
ALTER TABLE validator_samples ADD COLUMN IF NOT EXISTS status VARCHAR(16);
ALTER TABLE validator_samples ADD COLUMN IF NOT EXISTS reason VARCHAR(128);
ALTER TABLE evaluation_signatures ADD COLUMN IF NOT EXISTS verified BOOLEAN;
ALTER TABLE evaluation_signatures ADD COLUMN IF NOT EXISTS scheme SMALLINT;
