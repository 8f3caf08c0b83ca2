//! The `object_store` adapter: one [`ObjectBucket`] type for S3-compatible stores (Cloudflare
//! R2, AWS, MinIO, s3s), a local directory and memory.

use std::fmt;
use std::path::Path as FsPath;
use std::sync::{Arc, Once};
use std::time::Duration;

use async_trait::async_trait;
use leoma_api_types::keys::{Secret, normalize_endpoint};
use object_store::aws::{AmazonS3, AmazonS3Builder, AwsAuthorizer, AwsCredential};
use object_store::client::{HttpRequest, HttpRequestBody};
use object_store::local::LocalFileSystem;
use object_store::memory::InMemory;
use object_store::path::Path;
use object_store::signer::{Method, Signer};
use object_store::{
    Attribute, Attributes, ClientOptions, GetOptions, ObjectStore, ObjectStoreExt, PutOptions,
    PutPayload, RetryConfig,
};

use crate::{Bucket, BucketReader, ObjectInfo, StorageError};

/// How to reach one S3-compatible bucket. `Debug` never shows the credentials.
#[derive(Clone, PartialEq, Eq)]
pub struct S3Config {
    /// Endpoint URL as configured (a bare host means `https://host`, SPEC §3.5).
    pub endpoint: String,
    /// Region (`auto` for R2).
    pub region: String,
    /// Bucket name.
    pub bucket: String,
    /// Access key id.
    pub access_key_id: Secret,
    /// Secret access key.
    pub secret_access_key: Secret,
    /// Honour `http://` endpoints (`ALLOW_INSECURE_S3`, local test servers); otherwise every
    /// endpoint is reached over HTTPS.
    pub allow_http: bool,
    /// Deadline of one HTTP request.
    pub request_timeout: Duration,
    /// How often the client itself retries a failed request (5xx, 429, transport errors).
    pub max_retries: usize,
}

impl S3Config {
    /// A configuration with the default timeout (30 s) and retries (2).
    pub fn new(
        endpoint: impl Into<String>,
        region: impl Into<String>,
        bucket: impl Into<String>,
        access_key_id: Secret,
        secret_access_key: Secret,
        allow_http: bool,
    ) -> Self {
        S3Config {
            endpoint: endpoint.into(),
            region: region.into(),
            bucket: bucket.into(),
            access_key_id,
            secret_access_key,
            allow_http,
            request_timeout: Duration::from_secs(30),
            max_retries: 2,
        }
    }
}

impl fmt::Debug for S3Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("S3Config")
            .field("endpoint", &self.endpoint)
            .field("region", &self.region)
            .field("bucket", &self.bucket)
            .field("access_key_id", &self.access_key_id)
            .field("secret_access_key", &self.secret_access_key)
            .field("allow_http", &self.allow_http)
            .finish_non_exhaustive()
    }
}

/// What [`ObjectBucket::ensure_exists`] found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BucketState {
    /// The bucket was there (or is a local directory or memory, which always exist).
    Existed,
    /// The bucket was missing and has been created.
    Created,
}

/// What bucket-level requests (HEAD and CREATE of the bucket itself, which `object_store` does
/// not offer) need: object_store's SigV4 signer and a plain HTTP client.
struct BucketAdmin {
    /// `<endpoint>/<bucket>` (path style).
    url: String,
    region: String,
    credential: AwsCredential,
    client: object_store_reqwest::Client,
}

/// A bucket behind `object_store`. Cheap to clone.
#[derive(Clone)]
pub struct ObjectBucket {
    store: Arc<dyn ObjectStore>,
    signer: Option<Arc<AmazonS3>>,
    admin: Option<Arc<BucketAdmin>>,
    name: String,
    /// Whether the store keeps a content type (a local directory cannot).
    content_types: bool,
}

impl fmt::Debug for ObjectBucket {
    // The S3 client's own Debug would print its credentials: show the name only.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ObjectBucket")
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}

static CRYPTO: Once = Once::new();

impl ObjectBucket {
    /// An S3-compatible bucket: path-style requests, explicit region, SigV4.
    pub fn s3(config: &S3Config) -> Result<Self, StorageError> {
        let endpoint = normalize_endpoint(&config.endpoint, config.allow_http).map_err(|e| {
            StorageError::Config {
                bucket: config.bucket.clone(),
                reason: e.to_string(),
            }
        })?;
        let name = format!("{}@{endpoint}", config.bucket);
        let bad = |reason: String| StorageError::Config {
            bucket: name.clone(),
            reason,
        };
        if config.bucket.is_empty() || config.bucket.contains(['/', '\\']) {
            return Err(bad("bucket name is empty or contains a slash".into()));
        }
        if config.region.is_empty() {
            return Err(bad("region is empty".into()));
        }
        // reqwest is built with rustls but without a bundled provider: use ring, once.
        CRYPTO.call_once(|| {
            let _ = rustls::crypto::ring::default_provider().install_default();
        });
        let retry = RetryConfig {
            max_retries: config.max_retries,
            retry_timeout: config.request_timeout.saturating_mul(2),
            ..RetryConfig::default()
        };
        let client = ClientOptions::new()
            .with_timeout(config.request_timeout)
            .with_connect_timeout(Duration::from_secs(10))
            .with_allow_http(config.allow_http);
        let s3 = AmazonS3Builder::new()
            .with_endpoint(&endpoint)
            .with_region(&config.region)
            .with_bucket_name(&config.bucket)
            .with_access_key_id(config.access_key_id.expose())
            .with_secret_access_key(config.secret_access_key.expose())
            .with_virtual_hosted_style_request(false)
            .with_allow_http(config.allow_http)
            .with_client_options(client)
            .with_retry(retry)
            .build()
            .map_err(|e| bad(first_line(&e.to_string())))?;
        let s3 = Arc::new(s3);
        let client = object_store_reqwest::Client::builder()
            .timeout(config.request_timeout)
            .connect_timeout(Duration::from_secs(10))
            .build()
            .map_err(|e| bad(format!("HTTP client: {}", first_line(&e.to_string()))))?;
        let admin = BucketAdmin {
            url: format!("{endpoint}/{}", config.bucket),
            region: config.region.clone(),
            credential: AwsCredential {
                key_id: config.access_key_id.expose().to_owned(),
                secret_key: config.secret_access_key.expose().to_owned(),
                token: None,
            },
            client,
        };
        Ok(ObjectBucket {
            store: s3.clone(),
            signer: Some(s3),
            admin: Some(Arc::new(admin)),
            name,
            content_types: true,
        })
    }

    /// A directory on the local file system playing a bucket (keys are relative paths).
    pub fn local(dir: &FsPath) -> Result<Self, StorageError> {
        let name = dir.display().to_string();
        let store = LocalFileSystem::new_with_prefix(dir).map_err(|e| StorageError::Config {
            bucket: name.clone(),
            reason: first_line(&e.to_string()),
        })?;
        Ok(ObjectBucket {
            store: Arc::new(store),
            signer: None,
            admin: None,
            name,
            content_types: false,
        })
    }

    /// An empty in-memory bucket (tests, dry runs).
    pub fn memory(name: &str) -> Self {
        ObjectBucket {
            store: Arc::new(InMemory::new()),
            signer: None,
            admin: None,
            name: format!("memory:{name}"),
            content_types: true,
        }
    }

    fn path(&self, key: &str) -> Result<Path, StorageError> {
        if key.is_empty() || key.starts_with('/') || key.ends_with('/') {
            return Err(StorageError::InvalidKey {
                key: key.to_owned(),
                reason: "empty, or starts or ends with '/'".into(),
            });
        }
        Path::parse(key).map_err(|e| StorageError::InvalidKey {
            key: key.to_owned(),
            reason: e.to_string(),
        })
    }

    fn prefix(&self, prefix: &str) -> Result<Option<Path>, StorageError> {
        if prefix.is_empty() {
            Ok(None)
        } else {
            self.path(prefix).map(Some)
        }
    }

    fn err(&self, op: &'static str, key: &str, e: object_store::Error) -> StorageError {
        StorageError::from_store(&self.name, op, key, e)
    }

    /// Listing errors reach us untyped (object_store maps HTTP statuses to typed errors for
    /// single-object requests only). A HEAD of a probe key tells a refusal of our credentials
    /// (typed 401/403) from an outage, at the cost of one request on the failure path.
    async fn list_err(&self, prefix: &str, e: object_store::Error) -> StorageError {
        if matches!(e, object_store::Error::Generic { .. }) {
            let probe = Path::from("leoma-credential-probe");
            if let Err(
                object_store::Error::PermissionDenied { .. }
                | object_store::Error::Unauthenticated { .. },
            ) = self.store.head(&probe).await
            {
                return StorageError::Denied {
                    bucket: self.name.clone(),
                    key: prefix.to_owned(),
                };
            }
        }
        self.err("list", prefix, e)
    }
}

impl ObjectBucket {
    /// Makes sure the bucket exists, creating it when it is missing (SPEC §7.1): a signed
    /// `HEAD /<bucket>`; on 404 a signed `PUT /<bucket>` (S3 CreateBucket), where "already owned
    /// by you" counts as existing. Credentials that may not HEAD a bucket (object-scoped R2
    /// tokens) are given the benefit of a listing: if the bucket lists, it exists. Local
    /// directories and memory always exist.
    pub async fn ensure_exists(&self) -> Result<BucketState, StorageError> {
        let Some(admin) = &self.admin else {
            return Ok(BucketState::Existed);
        };
        let (status, _) = self
            .bucket_request(admin, "head bucket", "HEAD", Vec::new())
            .await?;
        match status {
            200..=299 => Ok(BucketState::Existed),
            404 => self.create(admin).await,
            401 | 403 => match self.list_objects("leoma-bucket-probe").await {
                Ok(_) => Ok(BucketState::Existed),
                Err(e) => Err(e),
            },
            _ => Err(self.status_error("head bucket", status, "")),
        }
    }

    async fn create(&self, admin: &BucketAdmin) -> Result<BucketState, StorageError> {
        // us-east-1 (and R2's `auto`) take no location constraint; other AWS regions need one.
        let body = if matches!(admin.region.as_str(), "auto" | "us-east-1") {
            Vec::new()
        } else {
            format!(
                "<CreateBucketConfiguration xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">\
                 <LocationConstraint>{}</LocationConstraint></CreateBucketConfiguration>",
                admin.region
            )
            .into_bytes()
        };
        let (status, text) = self
            .bucket_request(admin, "create bucket", "PUT", body)
            .await?;
        match status {
            200..=299 => Ok(BucketState::Created),
            // Another process (or a concurrent start) created it first.
            409 if text.contains("BucketAlreadyOwnedByYou") => Ok(BucketState::Existed),
            _ => Err(self.status_error("create bucket", status, &text)),
        }
    }

    fn status_error(&self, operation: &'static str, status: u16, body: &str) -> StorageError {
        if status == 401 || status == 403 {
            return StorageError::Denied {
                bucket: self.name.clone(),
                key: String::new(),
            };
        }
        // The S3 error code (`<Code>…</Code>`) says why, without echoing anything we sent.
        let code = body
            .split_once("<Code>")
            .and_then(|(_, rest)| rest.split_once("</Code>"))
            .map(|(c, _)| c.chars().take(64).collect::<String>());
        let reason = match code {
            Some(c) => format!("HTTP {status} ({c})"),
            None => format!("HTTP {status}"),
        };
        if status == 429 || status >= 500 {
            StorageError::Unavailable {
                bucket: self.name.clone(),
                operation,
                key: String::new(),
                reason,
            }
        } else {
            StorageError::Refused {
                bucket: self.name.clone(),
                operation,
                key: String::new(),
                reason,
            }
        }
    }

    /// One SigV4-signed request on the bucket itself; the status and (bounded) body text.
    async fn bucket_request(
        &self,
        admin: &BucketAdmin,
        operation: &'static str,
        method: &str,
        body: Vec<u8>,
    ) -> Result<(u16, String), StorageError> {
        let refused = |reason: String| StorageError::Refused {
            bucket: self.name.clone(),
            operation,
            key: String::new(),
            reason,
        };
        let method = object_store_reqwest::Method::from_bytes(method.as_bytes())
            .map_err(|e| refused(e.to_string()))?;
        let mut request = HttpRequest::new(HttpRequestBody::from(body.clone()));
        *request.method_mut() = method.clone();
        *request.uri_mut() = match admin.url.parse() {
            Ok(uri) => uri,
            Err(e) => return Err(refused(format!("bucket URL: {e}"))),
        };
        AwsAuthorizer::new(&admin.credential, "s3", &admin.region)
            .try_authorize(&mut request, None)
            .map_err(|e| refused(first_line(&e.to_string())))?;
        let response = admin
            .client
            .request(method, &admin.url)
            .headers(request.headers().clone())
            .body(body)
            .send()
            .await
            .map_err(|e| StorageError::Unavailable {
                bucket: self.name.clone(),
                operation,
                key: String::new(),
                // Without the URL: it names only endpoint and bucket, but keep errors uniform.
                reason: first_line(&e.without_url().to_string()),
            })?;
        let status = response.status().as_u16();
        let text = response.text().await.unwrap_or_default();
        Ok((status, text.chars().take(2048).collect()))
    }
}

fn first_line(s: &str) -> String {
    s.lines().next().unwrap_or_default().to_owned()
}

#[async_trait]
impl BucketReader for ObjectBucket {
    fn name(&self) -> &str {
        &self.name
    }

    async fn get(&self, key: &str, max_bytes: usize) -> Result<Option<Vec<u8>>, StorageError> {
        let path = self.path(key)?;
        let result = match self.store.get_opts(&path, GetOptions::default()).await {
            Ok(r) => r,
            Err(object_store::Error::NotFound { .. }) => return Ok(None),
            Err(e) => return Err(self.err("get", key, e)),
        };
        let oversized = |size: u64| StorageError::Oversized {
            bucket: self.name.clone(),
            key: key.to_owned(),
            size,
            limit: max_bytes,
        };
        if result.meta.size > max_bytes as u64 {
            return Err(oversized(result.meta.size));
        }
        let bytes = result.bytes().await.map_err(|e| self.err("get", key, e))?;
        if bytes.len() > max_bytes {
            return Err(oversized(bytes.len() as u64));
        }
        Ok(Some(bytes.to_vec()))
    }

    async fn exists(&self, key: &str) -> Result<bool, StorageError> {
        let path = self.path(key)?;
        match self.store.head(&path).await {
            Ok(_) => Ok(true),
            Err(object_store::Error::NotFound { .. }) => Ok(false),
            Err(e) => Err(self.err("head", key, e)),
        }
    }

    async fn list_folders(&self, prefix: &str) -> Result<Vec<String>, StorageError> {
        let p = self.prefix(prefix)?;
        let listing = match self.store.list_with_delimiter(p.as_ref()).await {
            Ok(l) => l,
            Err(e) => return Err(self.list_err(prefix, e).await),
        };
        let mut names: Vec<String> = listing
            .common_prefixes
            .iter()
            .filter_map(|p| p.filename().map(str::to_owned))
            .collect();
        names.sort();
        names.dedup();
        Ok(names)
    }

    async fn list_objects(&self, prefix: &str) -> Result<Vec<ObjectInfo>, StorageError> {
        use futures::StreamExt;
        let p = self.prefix(prefix)?;
        let mut stream = self.store.list(p.as_ref());
        let mut out = Vec::new();
        while let Some(item) = stream.next().await {
            let meta = match item {
                Ok(m) => m,
                Err(e) => return Err(self.list_err(prefix, e).await),
            };
            out.push(ObjectInfo {
                key: meta.location.to_string(),
                size: meta.size,
            });
        }
        out.sort();
        Ok(out)
    }

    async fn presign_get(&self, key: &str, expires_in: Duration) -> Result<String, StorageError> {
        let path = self.path(key)?;
        let Some(signer) = &self.signer else {
            return Err(StorageError::Refused {
                bucket: self.name.clone(),
                operation: "presign",
                key: key.to_owned(),
                reason: "only S3 buckets can presign URLs".into(),
            });
        };
        signer
            .signed_url(Method::GET, &path, expires_in)
            .await
            .map(|u| u.to_string())
            .map_err(|e| self.err("presign", key, e))
    }
}

#[async_trait]
impl Bucket for ObjectBucket {
    async fn put(&self, key: &str, body: Vec<u8>, content_type: &str) -> Result<(), StorageError> {
        let path = self.path(key)?;
        let mut attributes = Attributes::new();
        if self.content_types {
            attributes.insert(Attribute::ContentType, content_type.to_owned().into());
        }
        let opts = PutOptions {
            attributes,
            ..PutOptions::default()
        };
        self.store
            .put_opts(&path, PutPayload::from(body), opts)
            .await
            .map(|_| ())
            .map_err(|e| self.err("put", key, e))
    }

    async fn delete(&self, key: &str) -> Result<(), StorageError> {
        let path = self.path(key)?;
        match self.store.delete(&path).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(e) => Err(self.err("delete", key, e)),
        }
    }
}
