//! RFC 3161 signature timestamps: the request for a time-stamp token over a CMS signature value
//! and the checks on the authority's answer before the token joins the signer's unsigned
//! attributes (`id-aa-signatureTimeStampToken`, RFC 3161 appendix A), which makes a PAdES
//! B-B signature a B-T one. The HTTP exchange is the caller's: this crate stays sync and pure.

use cmpv2::status::PkiStatus;
use cms::content_info::ContentInfo;
use cms::signed_data::SignedData;
use const_oid::db::rfc5911::ID_SIGNED_DATA;
use const_oid::db::rfc5912::ID_SHA_256;
use const_oid::ObjectIdentifier;
use der::asn1::{Int, OctetString};
use der::{Decode, Encode};
use sha2::{Digest, Sha256};
use x509_cert::spki::AlgorithmIdentifier;
use x509_tsp::{MessageImprint, TimeStampReq, TimeStampResp, TspVersion, TstInfo};

/// `id-aa-signatureTimeStampToken` (1.2.840.113549.1.9.16.2.14).
pub const ID_AA_SIGNATURE_TIME_STAMP_TOKEN: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.16.2.14");

/// `id-ct-TSTInfo` (1.2.840.113549.1.9.16.1.4), the token's content type.
const ID_CT_TST_INFO: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.16.1.4");

/// A time-stamping authority: takes a DER `TimeStampReq` and answers the DER
/// `TimeStampResp`, e.g. over HTTP (`application/timestamp-query`, RFC 3161 section 3.4).
pub trait Timestamper: std::fmt::Debug {
    /// The authority's answer to `request`, or why there is none.
    fn timestamp(&self, request: &[u8]) -> Result<Vec<u8>, String>;
}

/// What became of the timestamp of a signature.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TimestampOutcome {
    /// No authority configured: a B-B signature.
    NotRequested,
    /// The token is in the signature; its time, Unix seconds.
    Applied {
        /// The token's `genTime`.
        gen_time_unix_s: u64,
    },
    /// The authority failed or answered something unusable; the signature has no timestamp
    /// (still a valid B-B signature).
    Failed(String),
}

/// A fresh request over `signature` (SHA-256), asking for the authority's certificate, with a
/// random 64-bit nonce.
pub(crate) fn request(signature: &[u8]) -> Result<(Vec<u8>, Int), String> {
    let mut nonce = [0u8; 8];
    aws_lc_rs::rand::fill(&mut nonce).map_err(|_| "no randomness for the timestamp nonce".to_string())?;
    // Positive and minimal: a leading zero bit, a non-zero first byte.
    nonce[0] = (nonce[0] & 0x7f) | 0x01;
    let nonce = Int::new(&nonce).map_err(|e| e.to_string())?;
    let req = TimeStampReq {
        version: TspVersion::V1,
        message_imprint: imprint(signature)?,
        req_policy: None,
        nonce: Some(nonce.clone()),
        cert_req: true,
        extensions: None,
    };
    Ok((req.to_der().map_err(|e| e.to_string())?, nonce))
}

fn imprint(signature: &[u8]) -> Result<MessageImprint, String> {
    Ok(MessageImprint {
        hash_algorithm: AlgorithmIdentifier {
            oid: ID_SHA_256,
            parameters: None,
        },
        hashed_message: OctetString::new(Sha256::digest(signature).to_vec()).map_err(|e| e.to_string())?,
    })
}

/// The token in `response` if the authority granted it for `signature` and `nonce`, with its
/// time; otherwise why not.
pub(crate) fn token(response: &[u8], signature: &[u8], nonce: &Int) -> Result<(ContentInfo, u64), String> {
    let response = TimeStampResp::from_der(response).map_err(|e| format!("not a TimeStampResp: {e}"))?;
    if !matches!(response.status.status, PkiStatus::Accepted | PkiStatus::GrantedWithMods) {
        return Err(format!("the authority refused: {:?}", response.status.status));
    }
    let token = response.time_stamp_token.ok_or("the authority granted no token")?;
    if token.content_type != ID_SIGNED_DATA {
        return Err("the token is not SignedData".into());
    }
    let signed = SignedData::from_der(&token.content.to_der().map_err(|e| e.to_string())?)
        .map_err(|e| format!("the token's SignedData: {e}"))?;
    let content = &signed.encap_content_info;
    if content.econtent_type != ID_CT_TST_INFO {
        return Err("the token does not hold a TSTInfo".into());
    }
    let tst = content.econtent.as_ref().ok_or("the token's TSTInfo is missing")?;
    let tst = TstInfo::from_der(tst.value()).map_err(|e| format!("the token's TSTInfo: {e}"))?;
    if tst.message_imprint != imprint(signature)? {
        return Err("the token is for other data".into());
    }
    if tst.nonce.as_ref() != Some(nonce) {
        return Err("the token's nonce is not ours".into());
    }
    Ok((token, tst.gen_time.to_unix_duration().as_secs()))
}

#[cfg(test)]
#[path = "tsp_tests.rs"]
mod tests;
