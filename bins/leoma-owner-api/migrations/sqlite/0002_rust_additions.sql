-- Rust additions (SPEC §9.6), kept as a separate version so both backends share one history.
ALTER TABLE validator_samples ADD COLUMN status TEXT;
ALTER TABLE validator_samples ADD COLUMN reason TEXT;
ALTER TABLE evaluation_signatures ADD COLUMN verified INTEGER;
ALTER TABLE evaluation_signatures ADD COLUMN scheme INTEGER;
