//! The certificate and private key a completed PDF is signed with.

use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{
    EcdsaKeyPair, EcdsaSigningAlgorithm, KeyPair, RsaKeyPair, ECDSA_P256_SHA256_ASN1_SIGNING,
    ECDSA_P384_SHA384_ASN1_SIGNING, RSA_PKCS1_SHA256,
};
use const_oid::db::rfc5912::{ECDSA_WITH_SHA_256, ECDSA_WITH_SHA_384, SHA_256_WITH_RSA_ENCRYPTION};
use der::{asn1::Null, Any, Decode};
use sha2::{Digest, Sha256};
use x509_cert::spki::AlgorithmIdentifierOwned;
use x509_cert::Certificate;

use super::PdfError;

/// A signing certificate (with the chain to its issuer, if any) and its private key.
pub struct SigningIdentity {
    /// The signer's certificate, decoded.
    pub(crate) certificate: Certificate,
    /// The signer's certificate, then the intermediates, each DER.
    pub(crate) chain: Vec<Certificate>,
    der: Vec<u8>,
    key: Key,
}

enum Key {
    Rsa(RsaKeyPair),
    Ecdsa(EcdsaKeyPair, &'static EcdsaSigningAlgorithm),
}

impl std::fmt::Debug for SigningIdentity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SigningIdentity")
            .field("subject", &self.subject())
            .field("fingerprint", &self.fingerprint())
            .finish_non_exhaustive()
    }
}

fn signing_error(why: impl Into<String>) -> PdfError {
    PdfError::Signing(why.into())
}

impl SigningIdentity {
    /// The identity of `chain` (the signer's certificate first, then any intermediates, each
    /// DER) and `key` (DER: PKCS#8, PKCS#1 for RSA or SEC1 for EC P-256/P-384). Fails unless the
    /// key is the certificate's.
    pub fn from_der(chain: &[Vec<u8>], key: &[u8]) -> Result<Self, PdfError> {
        let der = chain
            .first()
            .ok_or_else(|| signing_error("no signing certificate"))?
            .clone();
        let chain = chain
            .iter()
            .map(|c| Certificate::from_der(c).map_err(|e| signing_error(format!("certificate: {e}"))))
            .collect::<Result<Vec<_>, _>>()?;
        let key = Key::parse(key)?;
        let spki = &chain[0].tbs_certificate.subject_public_key_info.subject_public_key;
        if spki.raw_bytes() != key.public_key() {
            return Err(signing_error("the private key is not the certificate's"));
        }
        Ok(SigningIdentity {
            certificate: chain[0].clone(),
            chain,
            der,
            key,
        })
    }

    /// SHA-256 of the signer's certificate (DER), lowercase hex.
    pub fn fingerprint(&self) -> String {
        hex::encode(Sha256::digest(&self.der))
    }

    /// The signer's certificate, DER.
    pub fn certificate_der(&self) -> &[u8] {
        &self.der
    }

    /// The certificate's subject, e.g. `CN=Livegate e-signature`.
    pub fn subject(&self) -> String {
        self.certificate.tbs_certificate.subject.to_string()
    }

    /// The signature algorithm of [`SigningIdentity::sign`]'s output.
    pub(crate) fn algorithm(&self) -> AlgorithmIdentifierOwned {
        match &self.key {
            Key::Rsa(_) => AlgorithmIdentifierOwned {
                oid: SHA_256_WITH_RSA_ENCRYPTION,
                parameters: Some(Any::from(Null)),
            },
            Key::Ecdsa(_, alg) => AlgorithmIdentifierOwned {
                oid: if std::ptr::eq(*alg, &ECDSA_P384_SHA384_ASN1_SIGNING) {
                    ECDSA_WITH_SHA_384
                } else {
                    ECDSA_WITH_SHA_256
                },
                parameters: None,
            },
        }
    }

    /// Signs `message` (RSA PKCS#1 v1.5 with SHA-256, or ECDSA with the curve's hash).
    pub(crate) fn sign(&self, message: &[u8]) -> Result<Vec<u8>, PdfError> {
        let rng = SystemRandom::new();
        match &self.key {
            Key::Rsa(key) => {
                let mut signature = vec![0; key.public_modulus_len()];
                key.sign(&RSA_PKCS1_SHA256, &rng, message, &mut signature)
                    .map_err(|_| signing_error("RSA signing failed"))?;
                Ok(signature)
            }
            Key::Ecdsa(key, _) => key
                .sign(&rng, message)
                .map(|s| s.as_ref().to_vec())
                .map_err(|_| signing_error("ECDSA signing failed")),
        }
    }
}

impl Key {
    fn parse(der: &[u8]) -> Result<Self, PdfError> {
        if let Ok(key) = RsaKeyPair::from_pkcs8(der).or_else(|_| RsaKeyPair::from_der(der)) {
            return Ok(Key::Rsa(key));
        }
        for alg in [&ECDSA_P256_SHA256_ASN1_SIGNING, &ECDSA_P384_SHA384_ASN1_SIGNING] {
            if let Ok(key) =
                EcdsaKeyPair::from_pkcs8(alg, der).or_else(|_| EcdsaKeyPair::from_private_key_der(alg, der))
            {
                return Ok(Key::Ecdsa(key, alg));
            }
        }
        Err(signing_error(
            "the private key is not an RSA or EC P-256/P-384 key (PKCS#8, PKCS#1 or SEC1 DER)",
        ))
    }

    fn public_key(&self) -> &[u8] {
        match self {
            Key::Rsa(key) => key.public_key().as_ref(),
            Key::Ecdsa(key, _) => key.public_key().as_ref(),
        }
    }
}
