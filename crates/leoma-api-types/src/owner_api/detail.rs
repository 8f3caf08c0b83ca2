//! The exact `detail` strings of the owner-api's handled errors (SPEC §9).

/// 413, body over `MAX_BODY_SIZE`.
pub const BODY_TOO_LARGE: &str = "Request body too large";
/// 500, unhandled error.
pub const INTERNAL: &str = "An internal error occurred";
/// 400, a hotkey in a path, query or body is not valid SS58.
pub const INVALID_SS58: &str = "Invalid SS58 address format";
/// 429, rate limited.
pub const TOO_MANY_REQUESTS: &str = "Too many requests";
/// 401, `X-Timestamp` not an integer.
pub const INVALID_TIMESTAMP: &str = "Invalid timestamp format";
/// 401, signature not decodable.
pub const SIGNATURE_VERIFICATION_FAILED: &str = "Signature verification failed";
/// 401, signature does not verify.
pub const INVALID_SIGNATURE: &str = "Invalid signature";
/// 401, replayed scheme-A signature.
pub const SIGNATURE_ALREADY_USED: &str = "Signature already used";
/// 401, blacklisted caller.
pub const HOTKEY_BLACKLISTED: &str = "Hotkey is blacklisted";
/// 401, unknown caller: the detail starts with this; a hint may follow.
pub const VALIDATOR_NOT_REGISTERED_PREFIX: &str = "Validator not registered.";
/// 401, malformed Epistula headers.
pub const INVALID_EPISTULA_HEADERS: &str = "Invalid Epistula headers";
/// 401, `Epistula-Signed-For` is not this server.
pub const SIGNED_FOR_MISMATCH: &str = "Signed-For mismatch";
/// 401, replayed Epistula uuid.
pub const REQUEST_ALREADY_SEEN: &str = "Request already seen";
/// 403, not a permissioned validator.
pub const NOT_PERMISSIONED: &str = "Not a permissioned sampling validator";
/// 403, admin route.
pub const ADMIN_REQUIRED: &str = "Admin access required";
/// 404, miner lookups.
pub const MINER_NOT_FOUND: &str = "Miner not found";
/// 400, report over 2048 entries.
pub const TOO_MANY_MINERS: &str = "Too many miners (max 2048)";
/// 400, a hotkey twice in one report.
pub const DUPLICATE_MINER_IN_REPORT: &str = "Duplicate miner_hotkey in report";
/// 400, batch over 100 samples.
pub const BATCH_TOO_LARGE: &str = "Batch size exceeds limit of 100 samples";
/// 400, signed batch spanning several tasks.
pub const BATCH_MIXED_TASK_IDS: &str =
    "When signature is provided, all samples must have the same task_id";
/// 400, task id outside `[0, current + 1]` or above 2^31 − 1.
pub const TASK_ID_OUT_OF_RANGE: &str = "task_id out of range";
/// 400, batch signature does not verify (§9.5.1).
pub const INVALID_EVALUATION_SIGNATURE: &str = "Invalid evaluation signature";
/// 404, task without samples.
pub const TASK_NOT_FOUND: &str = "Task not found";
/// 404, task/miner pair without samples.
pub const NO_EVALUATIONS: &str = "No evaluations for this task/miner";
/// 404, `POST /validators` without uid for a hotkey not on the metagraph.
pub const HOTKEY_NOT_ON_METAGRAPH: &str =
    "Hotkey not found on the subnet metagraph; pass uid explicitly to add it anyway.";
/// 409, hotkey held by another uid.
pub const HOTKEY_UNDER_ANOTHER_UID: &str = "Hotkey already registered under another uid";
/// 404, `DELETE /validators/{hk}` for an unknown validator.
pub const VALIDATOR_NOT_REGISTERED: &str = "Validator not registered";
/// 404, blacklist lookups and deletes.
pub const MINER_NOT_BLACKLISTED: &str = "Miner not blacklisted";

/// 401, scheme-A timestamp outside the window (`max_seconds` is the configured expiry).
pub fn timestamp_expired_seconds(max_seconds: u64) -> String {
    format!("Timestamp expired (max {max_seconds}s)")
}

/// 401, Epistula timestamp outside the window (`max_ms` is the configured maximum age).
pub fn timestamp_expired_ms(max_ms: u64) -> String {
    format!("Timestamp expired (max {max_ms}ms)")
}
