//! Typed reads and writes of the bucket layout (SPEC §3.5): source clips and the allowlist
//! files in the source bucket; task artifacts and verdict files in a result bucket; task-folder
//! discovery for the weight epoch.
//!
//! Key strings come from `leoma_api_types::keys`, the one place that spells them.

use std::time::Duration;

use leoma_api_types::TaskId;
use leoma_api_types::keys::{
    ALLOWLIST_V1_KEY, allowlist_v2_key, first_frame_key, generated_video_key, metadata_key,
    original_clip_key, verdict_key, verdict_key_suffix,
};
use leoma_api_types::python::py_int_i64;
use leoma_api_types::verdict::{VERDICT_FILE_MAX_BYTES, VerdictFileV1, VerdictFileV2};

use crate::{Bucket, BucketReader, StorageError};

/// Presigned GET URLs expire after one hour (SPEC §3.5).
pub const PRESIGN_TTL: Duration = Duration::from_secs(3600);

/// Largest allowlist file read from the source bucket.
pub const ALLOWLIST_MAX_BYTES: usize = 1024 * 1024;

const JSON: &str = "application/json";

// ---- verdict files ----

/// Reads `<rid>/evaluation_results/<safe(producer)>.json`, `None` when absent; a file above
/// [`VERDICT_FILE_MAX_BYTES`] is refused with [`StorageError::Oversized`].
pub async fn read_verdict(
    bucket: &dyn BucketReader,
    task: TaskId,
    producer: &str,
) -> Result<Option<Vec<u8>>, StorageError> {
    bucket
        .get(&verdict_key(task, producer), VERDICT_FILE_MAX_BYTES)
        .await
}

/// Whether `<segment>/evaluation_results/<safe(producer)>.json` exists, for a task folder named
/// `segment` exactly as listed (v1 discovery accepts folder names such as `0012` or ` 12`).
pub async fn verdict_exists_in_folder(
    bucket: &dyn BucketReader,
    segment: &str,
    producer: &str,
) -> Result<bool, StorageError> {
    bucket
        .exists(&format!("{segment}/{}", verdict_key_suffix(producer)))
        .await
}

/// Publishes raw verdict-file bytes for `task` under `producer`'s key, refusing files a reader
/// would refuse for their size.
pub async fn publish_verdict_bytes(
    bucket: &dyn Bucket,
    task: TaskId,
    producer: &str,
    body: Vec<u8>,
) -> Result<(), StorageError> {
    let key = verdict_key(task, producer);
    if body.len() > VERDICT_FILE_MAX_BYTES {
        return Err(StorageError::Oversized {
            bucket: bucket.name().to_owned(),
            key,
            size: body.len() as u64,
            limit: VERDICT_FILE_MAX_BYTES,
        });
    }
    bucket.put(&key, body, JSON).await
}

/// Publishes a signed v1 verdict file (SPEC §3.7) for `task`, produced by `producer`.
pub async fn publish_verdict_v1(
    bucket: &dyn Bucket,
    task: TaskId,
    producer: &str,
    file: &VerdictFileV1,
) -> Result<(), StorageError> {
    publish_verdict_bytes(bucket, task, producer, file.to_bytes()).await
}

/// Publishes a signed v2 verdict file (SPEC §3.8) under its own task id and producer.
pub async fn publish_verdict_v2(
    bucket: &dyn Bucket,
    file: &VerdictFileV2,
) -> Result<(), StorageError> {
    publish_verdict_bytes(
        bucket,
        file.task_id,
        file.validator_hotkey.as_str(),
        file.to_bytes(),
    )
    .await
}

// ---- task artifacts (SPEC §3.5.2) ----

/// Uploads `<rid>/original_clip.mp4`.
pub async fn put_original_clip(
    bucket: &dyn Bucket,
    task: TaskId,
    mp4: Vec<u8>,
) -> Result<(), StorageError> {
    bucket.put(&original_clip_key(task), mp4, "video/mp4").await
}

/// Uploads `<rid>/first_frame.png`.
pub async fn put_first_frame(
    bucket: &dyn Bucket,
    task: TaskId,
    png: Vec<u8>,
) -> Result<(), StorageError> {
    bucket.put(&first_frame_key(task), png, "image/png").await
}

/// Uploads `<rid>/metadata.json` (bytes from `TaskMetadata::to_bytes`).
pub async fn put_metadata(
    bucket: &dyn Bucket,
    task: TaskId,
    json: Vec<u8>,
) -> Result<(), StorageError> {
    bucket.put(&metadata_key(task), json, JSON).await
}

/// Uploads `<rid>/generated_videos/<safe(miner)>.mp4`.
pub async fn put_generated_video(
    bucket: &dyn Bucket,
    task: TaskId,
    miner: &str,
    mp4: Vec<u8>,
) -> Result<(), StorageError> {
    bucket
        .put(&generated_video_key(task, miner), mp4, "video/mp4")
        .await
}

// ---- source bucket (SPEC §3.5.1) ----

/// Reads `allowlist/v1.json`, `None` when absent.
pub async fn read_allowlist_v1(source: &dyn BucketReader) -> Result<Option<Vec<u8>>, StorageError> {
    source.get(ALLOWLIST_V1_KEY, ALLOWLIST_MAX_BYTES).await
}

/// Reads `allowlist/v2/<digest>.json`, `None` when absent.
pub async fn read_allowlist_v2(
    source: &dyn BucketReader,
    digest: &str,
) -> Result<Option<Vec<u8>>, StorageError> {
    source
        .get(&allowlist_v2_key(digest), ALLOWLIST_MAX_BYTES)
        .await
}

/// Uploads the v1 allowlist file (owner tooling).
pub async fn publish_allowlist_v1(source: &dyn Bucket, bytes: Vec<u8>) -> Result<(), StorageError> {
    source.put(ALLOWLIST_V1_KEY, bytes, JSON).await
}

/// Uploads a v2 allowlist file under its content address (owner tooling).
pub async fn publish_allowlist_v2(
    source: &dyn Bucket,
    digest: &str,
    bytes: Vec<u8>,
) -> Result<(), StorageError> {
    source.put(&allowlist_v2_key(digest), bytes, JSON).await
}

/// Every source clip key (any key ending in `.mp4`), sorted.
pub async fn list_source_clips(source: &dyn BucketReader) -> Result<Vec<String>, StorageError> {
    Ok(source
        .list_objects("")
        .await?
        .into_iter()
        .filter(|o| o.key.ends_with(".mp4"))
        .map(|o| o.key)
        .collect())
}

/// A presigned GET URL of `key`, valid for [`PRESIGN_TTL`].
pub async fn presign(bucket: &dyn BucketReader, key: &str) -> Result<String, StorageError> {
    bucket.presign_get(key, PRESIGN_TTL).await
}

// ---- discovery ----

/// A top-level folder of a result bucket whose name parses as a task id under Python `int()`
/// rules (SPEC §4.3), with the name as listed.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct TaskFolder {
    /// The task id.
    pub rid: i64,
    /// The folder name exactly as listed (`12`, `0012`, ` 12`, ...).
    pub segment: String,
}

/// The task folders of a result bucket: one delimiter listing of the bucket root (a few
/// requests, however long the bucket's history), newest task first. Folders whose name is not
/// a task id are dropped.
pub async fn list_task_folders(bucket: &dyn BucketReader) -> Result<Vec<TaskFolder>, StorageError> {
    let mut folders: Vec<TaskFolder> = bucket
        .list_folders("")
        .await?
        .into_iter()
        .filter_map(|segment| py_int_i64(&segment).map(|rid| TaskFolder { rid, segment }))
        .collect();
    folders.sort_by(|a, b| b.rid.cmp(&a.rid).then_with(|| a.segment.cmp(&b.segment)));
    Ok(folders)
}

// ---- retention ----

/// What [`delete_task_folders_below`] removed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Pruned {
    /// Task folders emptied.
    pub folders: usize,
    /// Objects deleted.
    pub objects: usize,
    /// The first failure, if any (the rest of the folders were still tried).
    pub error: Option<String>,
}

/// Deletes every object of the task folders whose task id is below `below_rid` (the own
/// bucket's retention, SPEC §10.2 `OWN_BUCKET_RETENTION_BLOCKS`, E12). Folders whose name is not
/// a task id (and objects at the root) are never touched. Best effort: a failed delete is
/// recorded and the next object is tried.
pub async fn delete_task_folders_below(
    bucket: &dyn Bucket,
    below_rid: i64,
) -> Result<Pruned, StorageError> {
    let mut pruned = Pruned::default();
    for folder in list_task_folders(bucket).await? {
        if folder.rid >= below_rid {
            continue;
        }
        let objects = match bucket.list_objects(&folder.segment).await {
            Ok(o) => o,
            Err(e) => {
                pruned.error.get_or_insert_with(|| e.to_string());
                continue;
            }
        };
        let mut emptied = true;
        for o in objects {
            match bucket.delete(&o.key).await {
                Ok(()) => pruned.objects += 1,
                Err(e) => {
                    emptied = false;
                    pruned.error.get_or_insert_with(|| e.to_string());
                }
            }
        }
        if emptied {
            pruned.folders += 1;
        }
    }
    Ok(pruned)
}
