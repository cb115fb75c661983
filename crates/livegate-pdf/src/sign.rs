//! The PAdES signature of a completion increment: a signature field whose widget sits on the
//! last evidence page, its signature dictionary (`/Adobe.PPKLite`, `/ETSI.CAdES.detached`) with
//! placeholders, and, once the file is written, the `/ByteRange` and the CMS signature over it.

use std::time::Duration;

use lopdf::{dictionary, Dictionary, Document, Object, ObjectId, StringFormat};
use sha2::{Digest, Sha256};

use super::cms::detached_signature;
use super::identity::SigningIdentity;
use super::images::add;
use super::tsp::{TimestampOutcome, Timestamper};
use super::PdfError;

/// Bytes reserved for the DER signature (written as twice as many hex digits): room for an
/// RSA-4096 signature and a chain of several certificates.
pub const SIGNATURE_RESERVE: usize = 16 * 1024;

/// The placeholder `/ByteRange` values: ten digits each, so the real offsets (of a file below
/// 10 GB) fit in their place.
const RANGE_PLACEHOLDER: i64 = 9_999_999_999;

/// Who signs a completion, and when.
#[derive(Debug, Clone, Copy)]
pub struct Signing<'a> {
    /// The certificate and key.
    pub identity: &'a SigningIdentity,
    /// The signing time, Unix seconds; written as the signature dictionary's `/M`.
    pub signed_at_unix_s: u64,
    /// The signature dictionary's `/Name` and `/Reason`, e.g. the product and "Signed by all
    /// signers of <title>".
    pub name: &'a str,
    /// See `name`.
    pub reason: &'a str,
    /// The time-stamping authority, if any: with one, the signature carries an RFC 3161
    /// signature timestamp (PAdES B-T); if it fails, the signature is made without.
    pub timestamper: Option<&'a dyn Timestamper>,
}

/// The catalog and the interactive form the signature field joins.
pub(crate) struct Form {
    root: ObjectId,
    catalog: Dictionary,
    /// The form dictionary and, when it is an indirect object, its id.
    acro_form: (Option<ObjectId>, Dictionary),
    fields: Vec<Object>,
}

fn broken(what: &str) -> PdfError {
    PdfError::Invalid(format!("the interactive form is broken: {what}"))
}

impl Form {
    /// Reads the catalog and its `/AcroForm`, if any, from the original document.
    pub(crate) fn of(doc: &Document) -> Result<Self, PdfError> {
        let root = doc
            .trailer
            .get(b"Root")
            .and_then(Object::as_reference)
            .map_err(|_| broken("the trailer has no /Root reference"))?;
        let catalog = doc.get_dictionary(root).map_err(|_| broken("no catalog"))?.clone();
        let acro_form = match catalog.get(b"AcroForm") {
            Ok(Object::Reference(id)) => (
                Some(*id),
                doc.get_dictionary(*id).map_err(|_| broken("/AcroForm"))?.clone(),
            ),
            Ok(Object::Dictionary(dict)) => (None, dict.clone()),
            _ => (None, Dictionary::new()),
        };
        let fields = match acro_form.1.get(b"Fields") {
            Ok(fields) => doc
                .dereference(fields)
                .and_then(|(_, fields)| fields.as_array())
                .map_err(|_| broken("/Fields is not an array"))?
                .clone(),
            Err(_) => Vec::new(),
        };
        Ok(Form {
            root,
            catalog,
            acro_form,
            fields,
        })
    }

    /// Adds the signature field, its dictionary with placeholders and an invisible widget on
    /// `page` to `doc`, and the new versions of the catalog or form.
    pub(crate) fn add_signature(
        mut self,
        doc: &mut Document,
        page: ObjectId,
        signing: &Signing,
    ) -> Result<(), PdfError> {
        let range = Object::Integer(RANGE_PLACEHOLDER);
        let value = dictionary! {
            "Type" => "Sig",
            "Filter" => "Adobe.PPKLite",
            "SubFilter" => "ETSI.CAdES.detached",
            "ByteRange" => vec![0.into(), range.clone(), range.clone(), range],
            "Contents" => Object::String(vec![0; SIGNATURE_RESERVE], StringFormat::Hexadecimal),
            "M" => Object::string_literal(pdf_date(signing.signed_at_unix_s)),
            "Name" => Object::string_literal(signing.name),
            "Reason" => Object::string_literal(signing.reason),
        };
        let value = add(doc, value)?;
        let name = format!("Livegate completion {}", self.fields.len() + 1);
        let field = dictionary! {
            "Type" => "Annot",
            "Subtype" => "Widget",
            "FT" => "Sig",
            "T" => Object::string_literal(name),
            "V" => value,
            "P" => page,
            "Rect" => vec![0.into(), 0.into(), 0.into(), 0.into()],
            // Print and locked: a signature widget with no appearance.
            "F" => 132,
        };
        let field = add(doc, field)?;
        let page_dict = doc
            .get_object_mut(page)
            .and_then(Object::as_dict_mut)
            .map_err(|_| broken("the evidence page is missing"))?;
        page_dict.set("Annots", vec![Object::Reference(field)]);
        self.fields.push(field.into());
        let (form_id, mut form) = self.acro_form;
        form.set("Fields", self.fields);
        // Signatures exist, and the file is to be appended to only.
        form.set("SigFlags", 3);
        match form_id {
            Some(id) => doc.set_object(id, form),
            None => {
                self.catalog.set("AcroForm", form);
                doc.set_object(self.root, self.catalog);
            }
        }
        Ok(())
    }
}

/// A PDF date (ISO 32000-1, 7.9.4) in UTC.
fn pdf_date(unix_s: u64) -> String {
    let t = der::DateTime::from_unix_duration(Duration::from_secs(unix_s)).unwrap_or(der::DateTime::INFINITY);
    format!(
        "D:{:04}{:02}{:02}{:02}{:02}{:02}+00'00'",
        t.year(),
        t.month(),
        t.day(),
        t.hour(),
        t.minutes(),
        t.seconds()
    )
}

/// The only position of `needle` in `haystack` at or after `from`.
fn only(haystack: &[u8], needle: &[u8], from: usize) -> Result<usize, PdfError> {
    let mut found = haystack[from..]
        .windows(needle.len())
        .enumerate()
        .filter(|(_, w)| *w == needle)
        .map(|(i, _)| from + i);
    match (found.next(), found.next()) {
        (Some(at), None) => Ok(at),
        _ => Err(PdfError::Signing("the signature placeholder is not unique".into())),
    }
}

/// Fills in the placeholders written after `from` in `file`: the `/ByteRange` (everything
/// but the `/Contents` hex string) and the CMS signature over that range.
pub(crate) fn embed(file: &mut [u8], from: usize, signing: &Signing) -> Result<TimestampOutcome, PdfError> {
    let mut hex = vec![b'<'];
    hex.resize(1 + 2 * SIGNATURE_RESERVE, b'0');
    hex.push(b'>');
    let start = only(file, &hex, from)?;
    let end = start + hex.len();
    let placeholder = format!("[0 {RANGE_PLACEHOLDER} {RANGE_PLACEHOLDER} {RANGE_PLACEHOLDER}]");
    let at = only(file, placeholder.as_bytes(), from)?;
    let range = format!("[0 {start} {end} {}]", file.len() - end);
    let mut padded = range.into_bytes();
    padded.resize(placeholder.len(), b' ');
    file[at..at + placeholder.len()].copy_from_slice(&padded);
    let digest = Sha256::new()
        .chain_update(&file[..start])
        .chain_update(&file[end..])
        .finalize();
    let (signature, timestamp) = detached_signature(signing.identity, &digest, signing.timestamper)?;
    if signature.len() > SIGNATURE_RESERVE {
        return Err(PdfError::Signing(format!(
            "the signature is {} bytes; {SIGNATURE_RESERVE} are reserved",
            signature.len()
        )));
    }
    let digits = hex::encode_upper(&signature);
    file[start + 1..start + 1 + digits.len()].copy_from_slice(digits.as_bytes());
    Ok(timestamp)
}

#[cfg(test)]
pub(crate) mod tests {
    use std::process::Command;

    use aws_lc_rs::signature::{UnparsedPublicKey, ECDSA_P256_SHA256_ASN1, RSA_PKCS1_2048_8192_SHA256};
    use cms::content_info::ContentInfo;
    use cms::signed_data::SignedData;
    use der::{Decode, Reader, SliceReader};
    use x509_cert::Certificate;

    use super::*;
    use crate::{append_signed, EvidencePage, SignatureMark};

    pub(crate) const CONTRACT: &[u8] = include_bytes!("../../livegate-server/tests/data/contract.pdf");

    pub(crate) fn identity(alg: &'static rcgen::SignatureAlgorithm) -> SigningIdentity {
        let key = if alg == &rcgen::PKCS_RSA_SHA256 {
            rcgen::KeyPair::generate_rsa_for(alg, rcgen::RsaKeySize::_2048).unwrap()
        } else {
            rcgen::KeyPair::generate_for(alg).unwrap()
        };
        let cert = rcgen::CertificateParams::new(vec![])
            .unwrap()
            .self_signed(&key)
            .unwrap();
        SigningIdentity::from_der(&[cert.der().to_vec()], &key.serialize_der()).unwrap()
    }

    fn signed(identity: &SigningIdentity) -> Vec<u8> {
        signed_with(identity, None).bytes
    }

    /// The contract completed with one evidence page and signed, timestamped by `timestamper`.
    pub(crate) fn signed_with(identity: &SigningIdentity, timestamper: Option<&dyn Timestamper>) -> crate::SignedPdf {
        let page = EvidencePage {
            heading: "Signature and evidence - Asha Rao".into(),
            fields: vec![("Signer".into(), "Asha Rao".into())],
            captures: vec![],
            signature: SignatureMark::Typed("Asha Rao".into()),
        };
        let signing = Signing {
            identity,
            signed_at_unix_s: 1_796_170_000,
            name: "Livegate",
            reason: "Signed by every signer",
            timestamper,
        };
        append_signed(CONTRACT, &[page], &signing).unwrap()
    }

    /// The `/ByteRange` of the only signature in `file`.
    pub(crate) fn byte_range(file: &[u8]) -> [usize; 4] {
        let at = only(file, b"/ByteRange", 0).unwrap() + b"/ByteRange".len();
        let end = at + file[at..].iter().position(|&b| b == b']').unwrap();
        let text = std::str::from_utf8(&file[at..end]).unwrap();
        let numbers: Vec<usize> = text
            .trim_start_matches([' ', '['])
            .split_whitespace()
            .map(|n| n.parse().unwrap())
            .collect();
        numbers.try_into().unwrap()
    }

    /// The DER signature in the `/Contents` gap, without the zero padding.
    pub(crate) fn contents(file: &[u8], range: [usize; 4]) -> ContentInfo {
        let digits = &file[range[1] + 1..range[2] - 1];
        let bytes = hex::decode(digits).unwrap();
        let mut reader = SliceReader::new(&bytes).unwrap();
        let info: ContentInfo = reader.decode().unwrap();
        assert!(bytes[usize::try_from(reader.position()).unwrap()..]
            .iter()
            .all(|&b| b == 0));
        info
    }

    pub(crate) fn verify_cms(file: &[u8], identity: &SigningIdentity, rsa: bool) {
        let range = byte_range(file);
        assert_eq!(range[0], 0);
        assert_eq!(range[2] + range[3], file.len(), "the range ends at the end of the file");
        assert_eq!((file[range[1]], file[range[2] - 1]), (b'<', b'>'));
        assert_eq!(
            range[2] - range[1],
            2 * SIGNATURE_RESERVE + 2,
            "only the hex string is left out"
        );
        let info = contents(file, range);
        assert_eq!(info.content_type, const_oid::db::rfc5911::ID_SIGNED_DATA);
        let data: SignedData = info.content.decode_as().unwrap();
        assert!(data.encap_content_info.econtent.is_none(), "detached");
        let signer = data.signer_infos.0.get(0).unwrap();
        let attrs = signer.signed_attrs.as_ref().unwrap();
        let value = |oid| {
            attrs
                .iter()
                .find(|a| a.oid == oid)
                .map(|a| a.values.get(0).unwrap().clone())
        };
        let digest = Sha256::new()
            .chain_update(&file[..range[1]])
            .chain_update(&file[range[2]..])
            .finalize();
        let md: der::asn1::OctetString = value(const_oid::db::rfc5911::ID_MESSAGE_DIGEST)
            .unwrap()
            .decode_as()
            .unwrap();
        assert_eq!(md.as_bytes(), digest.as_slice());
        let ess: crate::SigningCertificateV2 = value(const_oid::db::rfc5911::ID_AA_SIGNING_CERTIFICATE_V_2)
            .unwrap()
            .decode_as()
            .unwrap();
        assert_eq!(
            ess.certs[0].cert_hash.as_bytes(),
            Sha256::digest(identity.certificate_der()).as_slice()
        );
        assert!(value(const_oid::db::rfc5911::ID_CONTENT_TYPE).is_some());
        assert!(
            value(const_oid::db::rfc5911::ID_SIGNING_TIME).is_none(),
            "B-B: the time is /M"
        );
        let cert = Certificate::from_der(identity.certificate_der()).unwrap();
        let public = cert
            .tbs_certificate
            .subject_public_key_info
            .subject_public_key
            .raw_bytes();
        let alg: &dyn aws_lc_rs::signature::VerificationAlgorithm = if rsa {
            &RSA_PKCS1_2048_8192_SHA256
        } else {
            &ECDSA_P256_SHA256_ASN1
        };
        UnparsedPublicKey::new(alg, public)
            .verify(&der::Encode::to_der(attrs).unwrap(), signer.signature.as_bytes())
            .expect("the signature verifies over the signed attributes");
    }

    /// `pdfsig`'s verdict on `file`, or `None` (a skip) where poppler-utils is missing outside CI.
    pub(crate) fn pdfsig(file: &[u8]) -> Option<String> {
        let path = std::env::temp_dir().join(format!(
            "livegate-pdf-{}-{:x}.pdf",
            std::process::id(),
            Sha256::digest(file)[0]
        ));
        std::fs::write(&path, file).unwrap();
        let out = Command::new("pdfsig").arg(&path).output();
        let _ = std::fs::remove_file(&path);
        match out {
            Ok(out) => Some(String::from_utf8_lossy(&out.stdout).into_owned()),
            Err(e) if std::env::var("LIVEGATE_CI").as_deref() != Ok("1") => {
                eprintln!("skipping the pdfsig check: pdfsig (poppler-utils) cannot run: {e}");
                None
            }
            Err(e) => panic!("pdfsig (poppler-utils) is needed in CI: {e}"),
        }
    }

    #[test]
    fn the_signature_covers_the_whole_file_but_itself_and_is_cms() {
        for (alg, rsa) in [(&rcgen::PKCS_RSA_SHA256, true), (&rcgen::PKCS_ECDSA_P256_SHA256, false)] {
            let identity = identity(alg);
            let file = signed(&identity);
            assert!(file.starts_with(CONTRACT), "the original stays the prefix");
            verify_cms(&file, &identity, rsa);
            let text = String::from_utf8_lossy(&file);
            for needed in [
                "/Adobe.PPKLite",
                "/ETSI.CAdES.detached",
                "/SigFlags 3",
                "D:20261202000640+00'00'",
            ] {
                assert!(text.contains(needed), "{needed} missing");
            }
            if let Some(verdict) = pdfsig(&file) {
                assert!(verdict.contains("Signature is Valid"), "{verdict}");
                let mut changed = file.clone();
                changed[CONTRACT.len() / 2] ^= 1;
                let verdict = pdfsig(&changed).unwrap();
                assert!(!verdict.contains("Signature is Valid"), "{verdict}");
            }
        }
    }

    #[test]
    fn a_key_that_is_not_the_certificates_is_refused() {
        let a = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).unwrap();
        let b = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).unwrap();
        let cert = rcgen::CertificateParams::new(vec![]).unwrap().self_signed(&a).unwrap();
        let err = SigningIdentity::from_der(&[cert.der().to_vec()], &b.serialize_der()).unwrap_err();
        assert_eq!(err.code(), "signing_failed");
        let err = SigningIdentity::from_der(&[cert.der().to_vec()], b"not a key").unwrap_err();
        assert_eq!(err.code(), "signing_failed");
        assert!(SigningIdentity::from_der(&[], &a.serialize_der()).is_err());
    }
}
