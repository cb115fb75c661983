//! Timestamps against a real authority (`openssl ts`).

use cms::signed_data::SignedData;

use super::*;
use crate::sign::tests::{byte_range, contents, identity, pdfsig, signed_with, verify_cms};
use crate::testing::{openssl, OpensslTsa};

/// Answers a request for other data (a token that does not belong to the signature).
#[derive(Debug)]
struct Misdirected(OpensslTsa);

impl Timestamper for Misdirected {
    fn timestamp(&self, _: &[u8]) -> Result<Vec<u8>, String> {
        self.0.timestamp(&request(b"another signature")?.0)
    }
}

/// Fails or answers `answer`.
#[derive(Debug)]
struct Canned(Result<Vec<u8>, String>);

impl Timestamper for Canned {
    fn timestamp(&self, _: &[u8]) -> Result<Vec<u8>, String> {
        self.0.clone()
    }
}

/// The signer's signature value and unsigned attributes in `file`.
fn signer(file: &[u8]) -> (Vec<u8>, Option<Vec<u8>>) {
    let data: SignedData = contents(file, byte_range(file)).content.decode_as().unwrap();
    let signer = data.signer_infos.0.get(0).unwrap().clone();
    let token = signer.unsigned_attrs.map(|attrs| {
        let attr = attrs
            .iter()
            .find(|a| a.oid == ID_AA_SIGNATURE_TIME_STAMP_TOKEN)
            .unwrap();
        attr.values.get(0).unwrap().to_der().unwrap()
    });
    (signer.signature.as_bytes().to_vec(), token)
}

#[test]
fn a_timestamped_signature_carries_the_authoritys_token_over_its_value() {
    let Some(tsa) = OpensslTsa::new() else { return };
    let identity = identity(&rcgen::PKCS_ECDSA_P256_SHA256);
    let signed = signed_with(&identity, Some(&tsa));
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    match signed.timestamp {
        TimestampOutcome::Applied { gen_time_unix_s } => {
            assert!(gen_time_unix_s.abs_diff(now) < 120, "{gen_time_unix_s} vs {now}")
        }
        other => panic!("{other:?}"),
    }
    verify_cms(&signed.bytes, &identity, false);
    let (signature, token) = signer(&signed.bytes);
    std::fs::write(tsa.dir.join("token.der"), token.unwrap()).unwrap();
    // openssl checks the token's signature, its certificate and that it covers the digest.
    let verify = |digest: &str| {
        openssl(
            &[
                "ts",
                "-verify",
                "-in",
                "token.der",
                "-token_in",
                "-digest",
                digest,
                "-CAfile",
                "tsa.pem",
            ],
            &tsa.dir,
        )
    };
    verify(&hex::encode(Sha256::digest(&signature))).expect("openssl verifies the token over the signature value");
    assert!(verify(&hex::encode(Sha256::digest(b"other"))).is_err());
    if let Some(verdict) = pdfsig(&signed.bytes) {
        assert!(verdict.contains("Signature is Valid"), "{verdict}");
    }
    let _ = std::fs::remove_dir_all(&tsa.dir);
}

#[test]
fn an_authority_that_fails_or_answers_for_other_data_leaves_a_plain_signature() {
    let identity = identity(&rcgen::PKCS_ECDSA_P256_SHA256);
    let mut cases: Vec<(Box<dyn Timestamper>, &str)> = vec![
        (Box::new(Canned(Err("timeout".into()))), "timeout"),
        (
            Box::new(Canned(Ok(b"<html>busy</html>".to_vec()))),
            "not a TimeStampResp",
        ),
    ];
    if let Some(tsa) = OpensslTsa::new() {
        cases.push((Box::new(Misdirected(tsa)), "the token is for other data"));
    }
    for (authority, why) in cases {
        let signed = signed_with(&identity, Some(authority.as_ref()));
        match &signed.timestamp {
            TimestampOutcome::Failed(e) => assert!(e.contains(why), "{e}"),
            other => panic!("{other:?}"),
        }
        verify_cms(&signed.bytes, &identity, false);
        assert_eq!(signer(&signed.bytes).1, None, "no token");
    }
}
