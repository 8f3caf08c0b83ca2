//! The public dashboard page at `/` (SPEC §9.8): server-rendered HTML built from the same views
//! as the JSON API (overview, leaderboard with eligibility and weights, validators with
//! participation, recent tasks with media links). UTF-8, inline CSS, no external CDN or font;
//! every value from the database is HTML-escaped.

use std::fmt::Write;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::header::CONTENT_TYPE;
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use crate::store::SampleFilter;
use crate::views;

/// Recent tasks listed on the page.
const RECENT_TASKS: i64 = 10;
const CACHE_KEY: &str = "/ (html)";

pub(crate) fn router() -> Router<AppState> {
    Router::new().route("/", get(page))
}

/// Escapes text for HTML element content and attribute values.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

fn short(hk: &str) -> String {
    let head: String = hk.chars().take(10).collect();
    format!("{head}…")
}

fn opt<T: ToString>(v: Option<T>) -> String {
    v.map(|v| escape(&v.to_string()))
        .unwrap_or_else(|| "—".to_owned())
}

fn html_response(body: Bytes) -> Response {
    ([(CONTENT_TYPE, "text/html; charset=utf-8")], body).into_response()
}

async fn page(State(state): State<AppState>) -> ApiResult<Response> {
    let stale = match state.lookup_response(CACHE_KEY) {
        crate::state::Cached::Fresh(body) => return Ok(html_response(body)),
        crate::state::Cached::Stale(body) => Some(body),
        crate::state::Cached::Miss => None,
    };
    let html = match (render(&state).await, stale) {
        (Ok(html), _) => html,
        (Err(e), Some(body)) => {
            tracing::warn!(error = ?e, "dashboard refresh failed; serving the cached page");
            return Ok(html_response(body));
        }
        (Err(e), None) => return Err(e),
    };
    let body = Bytes::from(html);
    state.store_response(CACHE_KEY, body.clone());
    Ok(html_response(body))
}

/// Renders the whole page.
pub async fn render(state: &AppState) -> ApiResult<String> {
    let overview = views::overview(state).await?;
    let ranks = crate::routes::scores::rank_response(state).await?;
    let weights = crate::routes::scores::weights_response(state).await?;
    let validators = views::validator_cards(state).await?;
    let recent = state.store().task_ids_desc(0, RECENT_TASKS).await?;
    let mut h = String::with_capacity(32 * 1024);
    let w = |e: std::fmt::Error| ApiError::Internal(e.to_string());
    h.push_str(HEAD);
    write!(
        h,
        "<section id=\"overview\"><h2>Overview</h2><dl>\
         <dt>Active miners</dt><dd>{}</dd><dt>Valid miners</dt><dd>{}</dd>\
         <dt>Total miners</dt><dd>{}</dd><dt>Validators</dt><dd>{}</dd>\
         <dt>Rotation interval</dt><dd>{} blocks</dd><dt>Latest task</dt><dd>{}</dd>\
         <dt>Current sampler</dt><dd>{}</dd><dt>Window</dt><dd>{} – {}</dd></dl></section>",
        overview.active_miners,
        overview.valid_miners,
        overview.total_miners,
        overview.total_validators,
        overview.rotation_interval,
        opt(overview.latest_task_id),
        opt(overview.current_sampler.as_deref().map(short)),
        opt(overview.window_start),
        opt(overview.window_end),
    )
    .map_err(w)?;
    h.push_str(
        "<section><h2>Leaderboard</h2><table id=\"leaderboard\"><thead><tr><th>Rank</th>\
         <th>UID</th><th>Miner</th><th>Passed</th><th>Pass rate</th><th>Block</th>\
         <th>Eligible</th><th>Weight</th></tr></thead><tbody>",
    );
    for r in &ranks.ranks {
        let weight = weights
            .miners
            .iter()
            .find(|m| m.miner_hotkey == r.miner_hotkey)
            .map(|m| m.weight)
            .unwrap_or(0.0);
        write!(
            h,
            "<tr class=\"miner\" data-hotkey=\"{hk}\"><td>{}</td><td>{}</td><td title=\"{hk}\">{}</td>\
             <td>{}</td><td>{:.1}%</td><td>{}</td><td>{}</td><td>{:.2}</td></tr>",
            r.rank,
            opt(r.uid),
            escape(&short(&r.miner_hotkey)),
            r.passed_count,
            r.pass_rate * 100.0,
            opt(r.block),
            if r.eligible { "yes" } else { "no" },
            weight,
            hk = escape(&r.miner_hotkey),
        )
        .map_err(w)?;
    }
    if ranks.ranks.is_empty() {
        h.push_str("<tr><td colspan=\"8\">No ranking yet.</td></tr>");
    }
    h.push_str(
        "</tbody></table></section><section><h2>Validators</h2><table id=\"validators\"><thead>\
         <tr><th>UID</th><th>Validator</th><th>Stake</th><th>Online</th><th>Tasks sampled</th>\
         <th>Expected turns</th><th>Participation</th><th>Evaluations</th><th>Avg latency</th>\
         </tr></thead><tbody>",
    );
    for v in &validators {
        write!(
            h,
            "<tr class=\"validator\" data-hotkey=\"{hk}\"><td>{}</td><td title=\"{hk}\">{}</td><td>{:.2}</td>\
             <td>{}</td><td>{}</td><td>{}</td><td>{:.0}%</td><td>{}</td><td>{}</td></tr>",
            v.uid,
            escape(&short(&v.hotkey)),
            v.stake,
            if v.online { "●" } else { "○" },
            v.tasks_sampled,
            v.expected_turns,
            v.participation_rate * 100.0,
            v.evaluations,
            opt(v.avg_latency_ms.map(|l| format!("{l} ms"))),
            hk = escape(&v.hotkey),
        )
        .map_err(w)?;
    }
    h.push_str("</tbody></table></section><section><h2>Recent tasks</h2><table id=\"tasks\"><thead><tr><th>Task</th><th>Sampler</th><th>Description</th><th>Miners</th><th>Passed</th><th>Media</th></tr></thead><tbody>");
    for id in recent {
        let rows = state
            .store()
            .samples(SampleFilter::Task(id), 10_000)
            .await?;
        let Some(first) = rows.first() else { continue };
        let miners: std::collections::BTreeSet<&str> =
            rows.iter().map(|r| r.miner_hotkey.as_str()).collect();
        let passed = rows.iter().filter(|r| r.passed).count();
        let description: String = first
            .prompt
            .as_deref()
            .unwrap_or("")
            .chars()
            .take(120)
            .collect();
        let media = match (state.media(), u64::try_from(id).ok()) {
            (Some(m), Some(t)) => {
                let key = leoma_api_types::keys::original_clip_key(leoma_api_types::TaskId(t));
                m.presign(&first.validator_hotkey, &key).await
            }
            _ => None,
        };
        let clip = match media {
            Some(url) => format!(" · <a href=\"{}\">clip</a>", escape(&url)),
            None => String::new(),
        };
        write!(
            h,
            "<tr class=\"task\"><td>{id}</td><td title=\"{hk}\">{}</td><td>{}</td><td>{}</td>\
             <td>{passed}/{}</td><td><a href=\"/tasks/{id}\">details</a>{clip}</td></tr>",
            escape(&short(&first.validator_hotkey)),
            escape(&description),
            miners.len(),
            rows.len(),
            hk = escape(&first.validator_hotkey),
        )
        .map_err(w)?;
    }
    h.push_str("</tbody></table></section><footer>Leoma owner-api · <a href=\"/openapi.json\">API</a></footer></main></body></html>");
    Ok(h)
}

const HEAD: &str = "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">\
<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>Leoma dashboard</title>\
<style>body{font-family:system-ui,sans-serif;margin:0;background:#0f1115;color:#e6e6e6}\
main{max-width:1100px;margin:0 auto;padding:1.5rem}h1{font-size:1.6rem}h2{font-size:1.2rem;margin-top:2rem}\
dl{display:grid;grid-template-columns:repeat(4,auto);gap:.3rem 1rem}dt{color:#9aa}dd{margin:0;font-weight:600}\
table{width:100%;border-collapse:collapse;font-size:.9rem}th,td{text-align:left;padding:.35rem .5rem;border-bottom:1px solid #2a2e37}\
th{color:#9aa;font-weight:500}a{color:#7cc4ff}footer{margin-top:2rem;color:#778;font-size:.8rem}</style>\
</head><body><main><h1>Leoma — text/image-to-video subnet</h1>";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_covers_markup_and_quotes() {
        assert_eq!(
            escape("<a href=\"x\">'&'</a>"),
            "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;"
        );
        assert_eq!(escape("plain ü"), "plain ü");
    }

    proptest::proptest! {
        #[test]
        fn escaped_text_never_opens_markup(s in ".*") {
            let e = escape(&s);
            proptest::prop_assert!(!e.contains('<') && !e.contains('>') && !e.contains('"') && !e.contains('\''));
        }
    }
}
