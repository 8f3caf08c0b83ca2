//! `GET /openapi.json`: the OpenAPI 3.0 document of the owner-api, generated from a typed
//! description in code ([`Schema`] values per body and an [`Operation`] per route), not a static
//! file. A test checks every described route is served, and schemathesis checks live responses
//! against it.

use std::collections::BTreeMap;

use axum::Router;
use axum::extract::State;
use axum::response::Response;
use axum::routing::get;
use serde_json::{Map, Value, json};

use crate::error::ApiResult;
use crate::state::AppState;

/// A JSON schema, as far as the owner-api's bodies need one.
#[derive(Debug, Clone)]
pub enum Schema {
    /// `string`, with an optional maximum length.
    Str(Option<u64>),
    /// `integer`, with optional bounds.
    Int(Option<i64>, Option<i64>),
    /// `number`.
    Num,
    /// `boolean`.
    Bool,
    /// The value or `null`.
    Nullable(Box<Schema>),
    /// An array.
    Array(Box<Schema>),
    /// An object with string keys and uniform values.
    Map(Box<Schema>),
    /// An object: `(field, schema, required)`.
    Object(Vec<(&'static str, Schema, bool)>),
    /// A named component.
    Ref(&'static str),
    /// Either string or integer (FastAPI `loc` items).
    StrOrInt,
}

use Schema::{Bool, Num, Ref, StrOrInt};

fn s() -> Schema {
    Schema::Str(None)
}
fn smax(n: u64) -> Schema {
    Schema::Str(Some(n))
}
fn i() -> Schema {
    Schema::Int(None, None)
}
fn n(x: Schema) -> Schema {
    Schema::Nullable(Box::new(x))
}
fn arr(x: Schema) -> Schema {
    Schema::Array(Box::new(x))
}
/// Required, nullable field (the API always sends optional fields, as `null` when unknown).
fn opt(name: &'static str, x: Schema) -> (&'static str, Schema, bool) {
    (name, n(x), true)
}
fn req(name: &'static str, x: Schema) -> (&'static str, Schema, bool) {
    (name, x, true)
}
/// A request field that may be omitted.
fn may(name: &'static str, x: Schema) -> (&'static str, Schema, bool) {
    (name, n(x), false)
}

impl Schema {
    /// The schema as OpenAPI 3.0 JSON.
    pub fn to_json(&self) -> Value {
        match self {
            Schema::Str(None) => json!({"type": "string"}),
            Schema::Str(Some(max)) => json!({"type": "string", "maxLength": max}),
            Schema::Int(min, max) => {
                let mut o = json!({"type": "integer"});
                if let Some(m) = min {
                    o["minimum"] = json!(m);
                }
                if let Some(m) = max {
                    o["maximum"] = json!(m);
                }
                o
            }
            Schema::Num => json!({"type": "number"}),
            Schema::Bool => json!({"type": "boolean"}),
            Schema::Nullable(inner) => match inner.as_ref() {
                Schema::Ref(name) => {
                    json!({"allOf": [{"$ref": format!("#/components/schemas/{name}")}], "nullable": true})
                }
                other => {
                    let mut v = other.to_json();
                    v["nullable"] = json!(true);
                    v
                }
            },
            Schema::Array(inner) => json!({"type": "array", "items": inner.to_json()}),
            Schema::Map(inner) => {
                json!({"type": "object", "additionalProperties": inner.to_json()})
            }
            Schema::Object(fields) => {
                let props: Map<String, Value> = fields
                    .iter()
                    .map(|(k, v, _)| ((*k).to_owned(), v.to_json()))
                    .collect();
                let required: Vec<&str> = fields.iter().filter(|f| f.2).map(|f| f.0).collect();
                json!({"type": "object", "properties": props, "required": required})
            }
            Schema::Ref(name) => json!({"$ref": format!("#/components/schemas/{name}")}),
            Schema::StrOrInt => json!({"anyOf": [{"type": "string"}, {"type": "integer"}]}),
        }
    }
}

/// Who may call an operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Public.
    Public,
    /// Signed (validator or admin).
    Signed,
    /// Signed by an admin.
    Admin,
}

/// One route.
#[derive(Debug, Clone)]
pub struct Operation {
    /// `get`, `post`, `delete`.
    pub method: &'static str,
    /// Path with `{param}` captures.
    pub path: &'static str,
    /// One line.
    pub summary: &'static str,
    /// Who may call it.
    pub access: Access,
    /// Query parameters `(name, schema, required)`.
    pub query: Vec<(&'static str, Schema, bool)>,
    /// Request body schema.
    pub body: Option<Schema>,
    /// Success body schema (200).
    pub ok: Schema,
    /// Handled error statuses besides the common ones.
    pub errors: &'static [u16],
}

fn components() -> BTreeMap<&'static str, Schema> {
    let miner = Schema::Object(vec![
        req("uid", i()),
        req("hotkey", s()),
        opt("model_name", s()),
        opt("model_revision", s()),
        opt("model_hash", s()),
        opt("chute_id", s()),
        opt("chute_slug", s()),
        req("is_valid", Bool),
        opt("invalid_reason", s()),
        opt("block", i()),
        opt("last_validated_at", s()),
    ]);
    let card_fields = vec![
        req("uid", i()),
        req("hotkey", s()),
        req("stake", Num),
        req("permissioned", Bool),
        req("online", Bool),
        opt("last_sampled_task_id", i()),
        opt("last_sampled_at", s()),
        req("tasks_sampled", i()),
        req("expected_turns", i()),
        req("participation_rate", Num),
        req("evaluations", i()),
        opt("avg_latency_ms", i()),
    ];
    let mut detail_fields = card_fields.clone();
    detail_fields.push(req("miner_scores", arr(Ref("ValidatorMinerPassRate"))));
    let sample_submission = Schema::Object(vec![
        req("task_id", i()),
        req("miner_hotkey", smax(48)),
        req("s3_bucket", smax(255)),
        req("s3_prefix", smax(512)),
        req("passed", Bool),
        req("prompt", smax(4096)),
        may("confidence", Schema::Int(Some(0), Some(100))),
        may("reasoning", smax(4096)),
        may("latency_ms", Schema::Int(Some(0), None)),
        may("original_artifacts", smax(8192)),
        may("generated_artifacts", smax(8192)),
        may("presentation_order", smax(64)),
        may("status", smax(16)),
        may("reason", smax(128)),
        may("evaluation_signature", smax(256)),
    ]);
    let per_score = |first: &'static str| {
        Schema::Object(vec![
            req(first, s()),
            req("score", Num),
            req("total_samples", i()),
            req("total_passed", i()),
            req("pass_rate", Num),
            opt("updated_at", s()),
        ])
    };
    BTreeMap::from([
        ("ErrorBody", Schema::Object(vec![req("detail", s())])),
        (
            "ValidationError",
            Schema::Object(vec![req(
                "detail",
                arr(Schema::Object(vec![
                    req("loc", arr(StrOrInt)),
                    req("msg", s()),
                    req("type", s()),
                ])),
            )]),
        ),
        (
            "Health",
            Schema::Object(vec![
                req("status", s()),
                req("version", s()),
                req("database", Bool),
                req("metagraph_synced", Bool),
                opt("last_sync", s()),
            ]),
        ),
        ("MinerResponse", miner),
        (
            "MinerList",
            Schema::Object(vec![
                req("miners", arr(Ref("MinerResponse"))),
                req("total", i()),
                req("valid_count", i()),
            ]),
        ),
        (
            "ActiveMinerEntry",
            Schema::Object(vec![
                req("uid", i()),
                req("hotkey", s()),
                opt("model_name", s()),
                opt("model_revision", s()),
                opt("chute_slug", s()),
                opt("block", i()),
                req("active", Bool),
                req("eligible", Bool),
                opt("rank", i()),
                req("weight", Num),
                req("score", Num),
                req("tasks_passed", i()),
                req("tasks_evaluated", i()),
                req("validators_evaluating", i()),
                opt("last_evaluated_at", s()),
                opt("avg_latency_ms", i()),
                req("validator_scores", arr(Num)),
            ]),
        ),
        (
            "MinerTaskEntry",
            Schema::Object(vec![
                req("task_id", i()),
                req("passed", Bool),
                opt("validator_hotkey", s()),
                opt("overall_score", i()),
                opt("latency_ms", i()),
                opt("updated", s()),
            ]),
        ),
        (
            "MinerReportEntry",
            Schema::Object(vec![
                req("uid", i()),
                req("miner_hotkey", smax(64)),
                may("model_name", s()),
                may("model_revision", s()),
                may("model_hash", s()),
                may("chute_id", s()),
                may("chute_slug", s()),
                may("block", i()),
                ("is_valid", Bool, false),
                may("invalid_reason", s()),
            ]),
        ),
        (
            "MinerReport",
            Schema::Object(vec![req("miners", arr(Ref("MinerReportEntry")))]),
        ),
        ("ReportResponse", Schema::Object(vec![req("reported", i())])),
        ("SampleSubmission", sample_submission),
        (
            "SampleBatch",
            Schema::Object(vec![
                req("samples", arr(Ref("SampleSubmission"))),
                may("signature", smax(256)),
            ]),
        ),
        (
            "SampleResponse",
            Schema::Object(vec![
                req("id", i()),
                req("task_id", i()),
                req("validator_hotkey", s()),
                req("miner_hotkey", s()),
                opt("prompt", s()),
                req("passed", Bool),
                opt("confidence", i()),
                opt("reasoning", s()),
                opt("evaluated_at", s()),
                opt("latency_ms", i()),
            ]),
        ),
        (
            "TaskDetailMinerEntry",
            Schema::Object(vec![
                req("miner_hotkey", s()),
                req("passed", Bool),
                opt("latency_ms", i()),
                opt("updated", s()),
            ]),
        ),
        (
            "TaskDetail",
            Schema::Object(vec![
                req("task_id", i()),
                opt("description", s()),
                req("s3_prefix", s()),
                req("first_frame_path", s()),
                req("original_clip_path", s()),
                opt("first_frame_url", s()),
                opt("original_clip_url", s()),
                req("miner_count", i()),
                req("sampler_hotkey", s()),
                req("miners", arr(Ref("TaskDetailMinerEntry"))),
            ]),
        ),
        (
            "TaskValidatorEvaluation",
            Schema::Object(vec![
                req("validator_hotkey", s()),
                req("passed", Bool),
                opt("evaluated_at", s()),
                opt("confidence", i()),
                opt("reasoning", s()),
                opt("aspect_scores", Schema::Map(Box::new(i()))),
                opt("overall_score", i()),
            ]),
        ),
        (
            "TaskMinerDetail",
            Schema::Object(vec![
                req("task_id", i()),
                req("miner_hotkey", s()),
                opt("description", s()),
                req("s3_prefix", s()),
                req("first_frame_path", s()),
                req("original_clip_path", s()),
                req("generated_video_path", s()),
                opt("first_frame_url", s()),
                opt("original_clip_url", s()),
                opt("generated_video_url", s()),
                req("validators", arr(Ref("TaskValidatorEvaluation"))),
                req("final_passed", Bool),
                opt("latency_ms", i()),
            ]),
        ),
        (
            "MinerScoreSummary",
            Schema::Object(vec![
                req("avg_score", Num),
                req("total_samples", i()),
                req("total_passed", i()),
                req("pass_rate", Num),
                req("validator_count", i()),
            ]),
        ),
        (
            "Scores",
            Schema::Object(vec![
                req("scores", Schema::Map(Box::new(Ref("MinerScoreSummary")))),
                req("total_validators", i()),
                req("updated_at", s()),
            ]),
        ),
        (
            "ValidatorScoreSummary",
            Schema::Object(vec![
                req("validator_hotkey", s()),
                req("total_samples", i()),
                req("total_passed", i()),
                req("avg_score", Num),
                req("pass_rate", Num),
                opt("last_updated", s()),
            ]),
        ),
        ("MinerValidatorScore", per_score("validator_hotkey")),
        ("ValidatorMinerScore", per_score("miner_hotkey")),
        (
            "MinerScores",
            Schema::Object(vec![
                req("miner_hotkey", s()),
                req("by_validator", arr(Ref("MinerValidatorScore"))),
                req(
                    "aggregated",
                    Schema::Object(vec![
                        req("total_samples", i()),
                        req("total_passed", i()),
                        req("avg_score", Num),
                        req("pass_rate", Num),
                        req("validator_count", i()),
                    ]),
                ),
            ]),
        ),
        (
            "ValidatorScores",
            Schema::Object(vec![
                req("validator_hotkey", s()),
                req("scores", arr(Ref("ValidatorMinerScore"))),
                req("total_miners", i()),
            ]),
        ),
        (
            "RankResponse",
            Schema::Object(vec![req(
                "ranks",
                arr(Schema::Object(vec![
                    req("miner_hotkey", s()),
                    opt("uid", i()),
                    req("rank", i()),
                    req("passed_count", i()),
                    req("pass_rate", Num),
                    opt("block", i()),
                    req("eligible", Bool),
                ])),
            )]),
        ),
        (
            "ScoreStats",
            Schema::Object(vec![
                req("total_validators", i()),
                req("total_miners", i()),
                req("total_samples", i()),
                req("total_score_entries", i()),
                req("overall_pass_rate", Num),
            ]),
        ),
        (
            "Weights",
            Schema::Object(vec![
                req("winner_uid", i()),
                req(
                    "miners",
                    arr(Schema::Object(vec![
                        req("miner_hotkey", s()),
                        req("uid", i()),
                        req("pass_rate", Num),
                        req("weight", Num),
                    ])),
                ),
            ]),
        ),
        (
            "RotationInterval",
            Schema::Object(vec![req("interval", Schema::Int(Some(1), None))]),
        ),
        ("ValidatorCard", Schema::Object(card_fields)),
        (
            "ValidatorMinerPassRate",
            Schema::Object(vec![
                req("miner_hotkey", s()),
                req("pass_rate", Num),
                req("total_samples", i()),
                req("total_passed", i()),
            ]),
        ),
        ("ValidatorDetail", Schema::Object(detail_fields)),
        (
            "AddValidatorRequest",
            Schema::Object(vec![
                req("hotkey", smax(48)),
                may("uid", Schema::Int(Some(0), None)),
                may("stake", Num),
            ]),
        ),
        (
            "AddValidatorResponse",
            Schema::Object(vec![
                req("success", Bool),
                req("uid", i()),
                req("hotkey", s()),
                req("stake", Num),
                req("added_by", s()),
            ]),
        ),
        (
            "Removed",
            Schema::Object(vec![
                req("success", Bool),
                req("message", s()),
                req("removed_by", s()),
            ]),
        ),
        (
            "Overview",
            Schema::Object(vec![
                req("active_miners", i()),
                req("valid_miners", i()),
                req("total_miners", i()),
                req("total_validators", i()),
                req("permissioned_validators", i()),
                req("rotation_interval", i()),
                opt("current_sampler", s()),
                opt("latest_task_id", i()),
                opt("window_start", i()),
                opt("window_end", i()),
            ]),
        ),
        (
            "BlacklistEntry",
            Schema::Object(vec![
                req("hotkey", s()),
                opt("reason", s()),
                opt("added_by", s()),
                opt("created_at", s()),
            ]),
        ),
        (
            "BlacklistAddRequest",
            Schema::Object(vec![req("hotkey", smax(48)), may("reason", smax(255))]),
        ),
    ])
}

/// Every JSON route of the API.
pub fn operations() -> Vec<Operation> {
    use Access::{Admin, Public, Signed};
    let op = |method, path, summary, access, ok: Schema, errors: &'static [u16]| Operation {
        method,
        path,
        summary,
        access,
        query: Vec::new(),
        body: None,
        ok,
        errors,
    };
    let limit = |max: i64| vec![("limit", Schema::Int(Some(1), Some(max)), false)];
    let with_body = |mut o: Operation, b: Schema| {
        o.body = Some(b);
        o
    };
    let with_query = |mut o: Operation, q: Vec<(&'static str, Schema, bool)>| {
        o.query = q;
        o
    };
    vec![
        op(
            "get",
            "/health",
            "Service health",
            Public,
            Ref("Health"),
            &[],
        ),
        op(
            "get",
            "/miners/uid/{uid}",
            "Miner by uid",
            Public,
            Ref("MinerResponse"),
            &[404],
        ),
        op(
            "get",
            "/miners/list",
            "All miners",
            Public,
            Ref("MinerList"),
            &[],
        ),
        op(
            "get",
            "/miners/valid",
            "Valid miners",
            Signed,
            Ref("MinerList"),
            &[],
        ),
        op(
            "get",
            "/miners/all",
            "All miners",
            Signed,
            Ref("MinerList"),
            &[],
        ),
        op(
            "get",
            "/miners/active",
            "Active miners",
            Public,
            arr(Ref("ActiveMinerEntry")),
            &[],
        ),
        with_body(
            op(
                "post",
                "/miners/report",
                "Validator miner report",
                Signed,
                Ref("ReportResponse"),
                &[400, 403],
            ),
            Ref("MinerReport"),
        ),
        op(
            "get",
            "/miners/{miner_hotkey}/tasks",
            "A miner's tasks",
            Public,
            arr(Ref("MinerTaskEntry")),
            &[400],
        ),
        op(
            "get",
            "/miners/info/{miner_hotkey}",
            "Miner by hotkey",
            Public,
            Ref("MinerResponse"),
            &[400, 404],
        ),
        op(
            "get",
            "/miners/{miner_hotkey}",
            "Miner by hotkey",
            Signed,
            Ref("MinerResponse"),
            &[400, 404],
        ),
        with_body(
            op(
                "post",
                "/samples",
                "Upsert one sample",
                Signed,
                Ref("SampleResponse"),
                &[400],
            ),
            Ref("SampleSubmission"),
        ),
        with_body(
            op(
                "post",
                "/samples/batch",
                "Upsert a batch",
                Signed,
                arr(Ref("SampleResponse")),
                &[400],
            ),
            Ref("SampleBatch"),
        ),
        with_query(
            op(
                "get",
                "/samples/list",
                "Newest samples",
                Public,
                arr(Ref("SampleResponse")),
                &[],
            ),
            limit(500),
        ),
        with_query(
            op(
                "get",
                "/samples/task",
                "A validator's samples of a task",
                Signed,
                arr(Ref("SampleResponse")),
                &[400],
            ),
            vec![("validator_hotkey", s(), true), ("task_id", i(), true)],
        ),
        with_query(
            op(
                "get",
                "/samples/validator/{validator_hotkey}",
                "A validator's samples",
                Signed,
                arr(Ref("SampleResponse")),
                &[400],
            ),
            limit(500),
        ),
        with_query(
            op(
                "get",
                "/samples/miner/{miner_hotkey}",
                "A miner's samples",
                Signed,
                arr(Ref("SampleResponse")),
                &[400],
            ),
            limit(500),
        ),
        op(
            "get",
            "/scores",
            "Lifetime scores",
            Public,
            Ref("Scores"),
            &[],
        ),
        op(
            "get",
            "/scores/validators",
            "Per-validator scores",
            Public,
            arr(Ref("ValidatorScoreSummary")),
            &[],
        ),
        op(
            "get",
            "/scores/miner/{miner_hotkey}",
            "A miner's scores",
            Public,
            Ref("MinerScores"),
            &[400],
        ),
        op(
            "get",
            "/scores/validator/{validator_hotkey}",
            "A validator's scores",
            Public,
            Ref("ValidatorScores"),
            &[400],
        ),
        op(
            "get",
            "/scores/rank",
            "Dashboard ranking",
            Public,
            Ref("RankResponse"),
            &[],
        ),
        op(
            "get",
            "/scores/stats",
            "Score statistics",
            Public,
            Ref("ScoreStats"),
            &[],
        ),
        op(
            "get",
            "/weights",
            "Informational weights",
            Public,
            Ref("Weights"),
            &[],
        ),
        with_body(
            op(
                "post",
                "/rotation/interval",
                "Set the dashboard interval",
                Admin,
                Ref("RotationInterval"),
                &[403],
            ),
            Ref("RotationInterval"),
        ),
        op(
            "get",
            "/validators",
            "Validator cards",
            Public,
            arr(Ref("ValidatorCard")),
            &[],
        ),
        with_body(
            op(
                "post",
                "/validators",
                "Add a validator",
                Admin,
                Ref("AddValidatorResponse"),
                &[400, 403, 404, 409],
            ),
            Ref("AddValidatorRequest"),
        ),
        op(
            "get",
            "/validators/{validator_hotkey}",
            "Validator detail",
            Public,
            Ref("ValidatorDetail"),
            &[400],
        ),
        op(
            "delete",
            "/validators/{validator_hotkey}",
            "Remove a validator",
            Admin,
            Ref("Removed"),
            &[403, 404],
        ),
        op(
            "get",
            "/overview",
            "Dashboard overview",
            Public,
            Ref("Overview"),
            &[],
        ),
        op(
            "get",
            "/blacklist",
            "Blacklist entries",
            Public,
            arr(Ref("BlacklistEntry")),
            &[],
        ),
        op(
            "get",
            "/blacklist/miners",
            "Blacklisted hotkeys",
            Public,
            arr(s()),
            &[],
        ),
        op(
            "get",
            "/blacklist/{hotkey}",
            "A blacklist entry",
            Public,
            Ref("BlacklistEntry"),
            &[400, 404],
        ),
        with_body(
            op(
                "post",
                "/blacklist",
                "Blacklist a miner",
                Admin,
                Ref("BlacklistEntry"),
                &[400, 403],
            ),
            Ref("BlacklistAddRequest"),
        ),
        op(
            "delete",
            "/blacklist/{hotkey}",
            "Remove a blacklist entry",
            Admin,
            Ref("Removed"),
            &[403, 404],
        ),
        with_query(
            op(
                "get",
                "/tasks",
                "A miner's tasks",
                Public,
                arr(Ref("MinerTaskEntry")),
                &[400],
            ),
            vec![("miner_hotkey", s(), true)],
        ),
        op(
            "get",
            "/tasks/{task_id}",
            "Task detail",
            Public,
            Ref("TaskDetail"),
            &[404],
        ),
        op(
            "get",
            "/tasks/{task_id}/miner/{miner_hotkey}",
            "A miner's result on a task",
            Public,
            Ref("TaskMinerDetail"),
            &[400, 404],
        ),
    ]
}

fn error_response(code: u16) -> (String, Value) {
    let (desc, schema) = match code {
        422 => ("Validation error", "ValidationError"),
        _ => ("Error", "ErrorBody"),
    };
    (
        code.to_string(),
        json!({"description": desc, "content": {"application/json": {"schema": {"$ref": format!("#/components/schemas/{schema}")}}}}),
    )
}

/// The whole OpenAPI document.
pub fn document() -> Value {
    let mut paths: BTreeMap<&str, Map<String, Value>> = BTreeMap::new();
    for op in operations() {
        let mut params: Vec<Value> = op
            .path
            .split('/')
            .filter_map(|seg| seg.strip_prefix('{').and_then(|p| p.strip_suffix('}')))
            .map(|name| {
                let schema = if name.ends_with("uid") || name.ends_with("_id") {
                    i()
                } else {
                    s()
                };
                json!({"name": name, "in": "path", "required": true, "schema": schema.to_json()})
            })
            .collect();
        params.extend(op.query.iter().map(|(name, schema, required)| {
            json!({"name": name, "in": "query", "required": required, "schema": schema.to_json()})
        }));
        let mut codes: Vec<u16> = vec![413, 422, 429];
        codes.extend(op.errors);
        if op.access != Access::Public {
            codes.push(401);
        }
        if op.access == Access::Admin {
            codes.push(403);
        }
        codes.sort_unstable();
        codes.dedup();
        let mut responses = Map::new();
        responses.insert(
            "200".into(),
            json!({"description": "OK", "content": {"application/json": {"schema": op.ok.to_json()}}}),
        );
        for c in codes {
            let (k, v) = error_response(c);
            responses.insert(k, v);
        }
        let mut o = json!({"summary": op.summary, "parameters": params, "responses": responses});
        if let Some(body) = &op.body {
            o["requestBody"] = json!({"required": true, "content": {"application/json": {"schema": body.to_json()}}});
        }
        if op.access != Access::Public {
            o["security"] = json!([{"XValidatorHotkey": [], "XSignature": [], "XTimestamp": []}, {"Epistula": []}]);
        }
        paths
            .entry(op.path)
            .or_default()
            .insert(op.method.to_owned(), o);
    }
    let schemas: Map<String, Value> = components()
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_json()))
        .collect();
    json!({
        "openapi": "3.0.3",
        "info": {"title": "Leoma owner-api", "version": env!("CARGO_PKG_VERSION"),
                 "description": "Signed routes use X-Validator-Hotkey/X-Signature/X-Timestamp (sr25519 over sha256hex(body):timestamp) or Epistula v2 headers."},
        "paths": paths,
        "components": {
            "schemas": schemas,
            "securitySchemes": {
                "XValidatorHotkey": {"type": "apiKey", "in": "header", "name": "X-Validator-Hotkey"},
                "XSignature": {"type": "apiKey", "in": "header", "name": "X-Signature"},
                "XTimestamp": {"type": "apiKey", "in": "header", "name": "X-Timestamp"},
                "Epistula": {"type": "apiKey", "in": "header", "name": "Epistula-Request-Signature"},
            }
        }
    })
}

pub(crate) fn router() -> Router<AppState> {
    Router::new().route("/openapi.json", get(serve))
}

async fn serve(State(state): State<AppState>) -> ApiResult<Response> {
    crate::routes::cached(&state, "/openapi.json", |_| async { Ok(document()) }).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_reference_resolves_and_authenticated_routes_match_the_limiter_table() {
        let doc = document();
        let text = doc.to_string();
        let schemas = doc["components"]["schemas"].as_object().unwrap();
        for part in text.split("#/components/schemas/").skip(1) {
            let name: String = part.chars().take_while(|c| *c != '"').collect();
            assert!(schemas.contains_key(&name), "dangling $ref {name}");
        }
        for op in operations() {
            let signed = op.access != Access::Public;
            let listed = crate::routes::AUTHENTICATED
                .iter()
                .any(|(m, p)| m.eq_ignore_ascii_case(op.method) && *p == op.path);
            assert_eq!(signed, listed, "{} {}", op.method, op.path);
        }
    }
}
