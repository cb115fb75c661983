//! Bulk sending from a CSV file: one document per row with the same checks as a single send,
//! every invalid row reported with its line number and reason, nothing sent when any is invalid.

use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::documents::DocumentDetail;
use super::own_department;
use super::send::{
    new_document, prepare, require_content_type, store_documents, template_pdf, InviteeRequest, PreparedDocument,
};
use super::ClientMeta;
use crate::api::auth::{scopes, ApiKey};
use crate::error::{ApiError, ErrorBody, RowError};
use crate::esign::rules::{FaceMatchRequest, SecurityRequest};
use crate::AppState;

/// `?department_id=&template_id=&title=` of a bulk send.
#[derive(Deserialize, IntoParams)]
pub struct BulkQuery {
    /// Department whose settings apply.
    pub department_id: String,
    /// The template every row's document uses.
    pub template_id: String,
    /// Title (each document gets "<title> - <invitee name>").
    pub title: String,
    /// Who is told when a signer fails.
    pub sender_email: Option<String>,
}

/// Documents created by a bulk send.
#[derive(Serialize, ToSchema)]
pub struct BulkCreated {
    /// One per row.
    pub documents: Vec<DocumentDetail>,
}

/// The CSV columns of a bulk send.
const CSV_COLUMNS: [&str; 9] = [
    "name",
    "email",
    "phone",
    "signer_type",
    "capture_photo",
    "smart_liveliness",
    "liveliness_retries",
    "face_match_retries",
    "reference_image",
];

fn parse_bool(column: &str, v: &str) -> Result<bool, String> {
    match v.trim().to_ascii_lowercase().as_str() {
        "" | "false" | "no" | "0" | "off" => Ok(false),
        "true" | "yes" | "1" | "on" => Ok(true),
        other => Err(format!("{column} must be true or false, got {other:?}")),
    }
}

fn parse_count(column: &str, v: &str) -> Result<Option<i64>, String> {
    let v = v.trim();
    if v.is_empty() {
        return Ok(None);
    }
    v.parse()
        .map(Some)
        .map_err(|_| format!("{column} must be a whole number, got {v:?}"))
}

/// One CSV record as an invitee request.
fn row_request(headers: &[String], record: &csv::StringRecord) -> Result<InviteeRequest, String> {
    let get = |name: &str| {
        headers
            .iter()
            .position(|h| h == name)
            .and_then(|i| record.get(i))
            .unwrap_or("")
            .to_string()
    };
    let opt = |name: &str| Some(get(name)).filter(|v| !v.trim().is_empty());
    let face_retries = parse_count("face_match_retries", &get("face_match_retries"))?;
    let reference = opt("reference_image");
    let face_match = match (face_retries, reference) {
        (None, None) => None,
        (Some(retries), Some(reference_image)) => Some(FaceMatchRequest {
            reference_image,
            retries,
        }),
        (Some(_), None) => return Err("face_match_retries needs a reference_image".into()),
        (None, Some(reference_image)) => Some(FaceMatchRequest {
            reference_image,
            retries: 0,
        }),
    };
    let capture_photo = parse_bool("capture_photo", &get("capture_photo"))?;
    let smart_liveliness = parse_bool("smart_liveliness", &get("smart_liveliness"))?;
    let liveliness_retries = parse_count("liveliness_retries", &get("liveliness_retries"))?.unwrap_or(0);
    let any = capture_photo || smart_liveliness || face_match.is_some() || liveliness_retries != 0;
    Ok(InviteeRequest {
        name: get("name"),
        email: opt("email"),
        phone: opt("phone"),
        signing_order: Some(1),
        signer_type: opt("signer_type"),
        security: any.then_some(SecurityRequest {
            capture_photo,
            smart_liveliness,
            liveliness_retries,
            face_match,
        }),
    })
}

/// Sends one document per CSV row; any invalid row sends nothing and every one is reported.
#[utoipa::path(post, path = "/v1/documents/bulk", tag = "esign", params(BulkQuery),
    request_body(content = String, content_type = "text/csv",
        description = "Header row, then one invitee per row: name,email,phone,signer_type,capture_photo,smart_liveliness,liveliness_retries,face_match_retries,reference_image"),
    security(("api_key" = ["esign:send"])),
    responses((status = 201, body = BulkCreated), (status = "4XX", body = ErrorBody)))]
pub async fn bulk_send(
    State(state): State<AppState>,
    ApiKey(caller, _): ApiKey<scopes::EsignSend>,
    headers: HeaderMap,
    ClientMeta(meta): ClientMeta,
    Query(q): Query<BulkQuery>,
    body: Bytes,
) -> Result<impl IntoResponse, ApiError> {
    require_content_type(&headers, "text/csv", "send the CSV file as text/csv")?;
    let department = own_department(&state, &caller, &q.department_id).await?;
    let (pdf, info) = template_pdf(&state, &caller.tenant, &q.template_id).await?;
    let mut reader = csv::ReaderBuilder::new()
        .flexible(false)
        .trim(csv::Trim::Headers)
        .from_reader(&body[..]);
    let header: Vec<String> = reader
        .headers()
        .map_err(|e| {
            ApiError::CsvInvalid(vec![RowError {
                line: 1,
                reason: e.to_string(),
            }])
        })?
        .iter()
        .map(|h| h.to_ascii_lowercase())
        .collect();
    let mut errors = Vec::new();
    if let Some(unknown) = header.iter().find(|h| !CSV_COLUMNS.contains(&h.as_str())) {
        errors.push(RowError {
            line: 1,
            reason: format!("unknown column {unknown:?}; columns are {}", CSV_COLUMNS.join(",")),
        });
    }
    if !header.iter().any(|h| h == "name") {
        errors.push(RowError {
            line: 1,
            reason: "the header has no name column".into(),
        });
    }
    if !errors.is_empty() {
        return Err(ApiError::CsvInvalid(errors));
    }
    let mut docs = Vec::new();
    for record in reader.records() {
        let (line, result) = match record {
            Ok(r) => (r.position().map_or(0, |p| p.line()), row_request(&header, &r)),
            Err(e) => (e.position().map_or(0, |p| p.line()), Err(e.to_string())),
        };
        let prepared = match result {
            Ok(req) => {
                let title = format!("{} - {}", q.title.trim(), req.name.trim());
                match new_document(&department, &title, &info, q.sender_email.clone(), state.clock.now_ms()) {
                    Ok(doc) => prepare(&state, &department, &doc.id, 0, &req)
                        .await
                        .map(|inv| PreparedDocument {
                            doc,
                            invitees: vec![inv],
                            pdf: pdf.clone(),
                        })
                        .map_err(|e| e.to_string()),
                    Err(e) => Err(e.to_string()),
                }
            }
            Err(reason) => Err(reason),
        };
        match prepared {
            Ok(d) => docs.push(d),
            Err(reason) => errors.push(RowError { line, reason }),
        }
    }
    if !errors.is_empty() {
        return Err(ApiError::CsvInvalid(errors));
    }
    if docs.is_empty() {
        return Err(ApiError::CsvInvalid(vec![RowError {
            line: 2,
            reason: "the file has no rows".into(),
        }]));
    }
    if docs.len() > 1000 {
        return Err(ApiError::InvalidRequest("at most 1000 rows per file".into()));
    }
    let documents = store_documents(&state, docs, &meta).await?;
    Ok((StatusCode::CREATED, Json(BulkCreated { documents })))
}
