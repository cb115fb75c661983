//! The CMS (RFC 5652) detached signature of a PAdES baseline B-B signature (ETSI EN 319 142-1):
//! `SignedData` over the PDF's byte range, with the signed attributes content-type,
//! message-digest and the ESS signing-certificate-v2 (RFC 5035), which binds the certificate.
//! The signing time is the signature dictionary's `/M`, as the standard asks (B-B forbids the
//! CMS signing-time attribute).

use cms::cert::{CertificateChoices, IssuerAndSerialNumber};
use cms::content_info::{CmsVersion, ContentInfo};
use cms::signed_data::{
    CertificateSet, EncapsulatedContentInfo, SignedAttributes, SignedData, SignerIdentifier, SignerInfo, SignerInfos,
};
use const_oid::db::rfc5911::{
    ID_AA_SIGNING_CERTIFICATE_V_2, ID_CONTENT_TYPE, ID_DATA, ID_MESSAGE_DIGEST, ID_SIGNED_DATA,
};
use const_oid::db::rfc5912::ID_SHA_256;
use der::asn1::{OctetString, SetOfVec};
use der::{Any, Decode, Encode, Sequence};
use sha2::{Digest, Sha256};
use x509_cert::attr::Attribute;
use x509_cert::ext::pkix::name::GeneralName;
use x509_cert::serial_number::SerialNumber;
use x509_cert::spki::AlgorithmIdentifierOwned;

use super::identity::SigningIdentity;
use super::tsp::{self, TimestampOutcome, Timestamper, ID_AA_SIGNATURE_TIME_STAMP_TOKEN};
use super::PdfError;

/// `SigningCertificateV2 ::= SEQUENCE { certs SEQUENCE OF ESSCertIDv2, policies OPTIONAL }`
/// (RFC 5035); no policies.
#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
pub struct SigningCertificateV2 {
    /// The signer's certificate first.
    pub certs: Vec<EssCertIdV2>,
}

/// `ESSCertIDv2 ::= SEQUENCE { hashAlgorithm DEFAULT id-sha256, certHash, issuerSerial }`;
/// the hash is SHA-256, the default, so DER leaves the algorithm out.
#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
pub struct EssCertIdV2 {
    /// SHA-256 of the certificate's DER.
    pub cert_hash: OctetString,
    /// The certificate's issuer and serial number.
    pub issuer_serial: IssuerSerial,
}

/// `IssuerSerial ::= SEQUENCE { issuer GeneralNames, serialNumber CertificateSerialNumber }`.
#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
pub struct IssuerSerial {
    /// The issuer's distinguished name, as a directory name.
    pub issuer: Vec<GeneralName>,
    /// The certificate's serial number.
    pub serial_number: SerialNumber,
}

fn encoding(e: der::Error) -> PdfError {
    PdfError::Signing(format!("encoding the CMS signature: {e}"))
}

fn attribute(oid: const_oid::ObjectIdentifier, value: &impl Encode) -> Result<Attribute, PdfError> {
    let value = Any::from_der(&value.to_der().map_err(encoding)?).map_err(encoding)?;
    Ok(Attribute {
        oid,
        values: SetOfVec::try_from(vec![value]).map_err(encoding)?,
    })
}

/// The DER `ContentInfo` of a detached `SignedData` whose content has SHA-256 `digest`, with a
/// signature timestamp from `timestamper` when there is one and it answers usably.
pub(crate) fn detached_signature(
    identity: &SigningIdentity,
    digest: &[u8],
    timestamper: Option<&dyn Timestamper>,
) -> Result<(Vec<u8>, TimestampOutcome), PdfError> {
    let certificate = &identity.certificate;
    let tbs = &certificate.tbs_certificate;
    let sha256 = AlgorithmIdentifierOwned {
        oid: ID_SHA_256,
        parameters: None,
    };
    let ess = SigningCertificateV2 {
        certs: vec![EssCertIdV2 {
            cert_hash: OctetString::new(Sha256::digest(identity.certificate_der()).to_vec()).map_err(encoding)?,
            issuer_serial: IssuerSerial {
                issuer: vec![GeneralName::DirectoryName(tbs.issuer.clone())],
                serial_number: tbs.serial_number.clone(),
            },
        }],
    };
    let attributes: SignedAttributes = SetOfVec::try_from(vec![
        attribute(ID_CONTENT_TYPE, &ID_DATA)?,
        attribute(ID_MESSAGE_DIGEST, &OctetString::new(digest).map_err(encoding)?)?,
        attribute(ID_AA_SIGNING_CERTIFICATE_V_2, &ess)?,
    ])
    .map_err(encoding)?;
    // The signature covers the attributes' DER as a SET OF (RFC 5652, 5.4).
    let signature = identity.sign(&attributes.to_der().map_err(encoding)?)?;
    let (unsigned_attrs, outcome) = match timestamper {
        None => (None, TimestampOutcome::NotRequested),
        Some(authority) => match timestamped(authority, &signature) {
            Ok((token, gen_time_unix_s)) => (
                Some(SetOfVec::try_from(vec![attribute(ID_AA_SIGNATURE_TIME_STAMP_TOKEN, &token)?]).map_err(encoding)?),
                TimestampOutcome::Applied { gen_time_unix_s },
            ),
            Err(why) => (None, TimestampOutcome::Failed(why)),
        },
    };
    let signer = SignerInfo {
        version: CmsVersion::V1,
        sid: SignerIdentifier::IssuerAndSerialNumber(IssuerAndSerialNumber {
            issuer: tbs.issuer.clone(),
            serial_number: tbs.serial_number.clone(),
        }),
        digest_alg: sha256.clone(),
        signed_attrs: Some(attributes),
        signature_algorithm: identity.algorithm(),
        signature: OctetString::new(signature).map_err(encoding)?,
        unsigned_attrs,
    };
    let certificates = identity
        .chain
        .iter()
        .cloned()
        .map(CertificateChoices::Certificate)
        .collect::<Vec<_>>();
    let signed = SignedData {
        version: CmsVersion::V1,
        digest_algorithms: SetOfVec::try_from(vec![sha256]).map_err(encoding)?,
        encap_content_info: EncapsulatedContentInfo {
            econtent_type: ID_DATA,
            econtent: None,
        },
        certificates: Some(CertificateSet(SetOfVec::try_from(certificates).map_err(encoding)?)),
        crls: None,
        signer_infos: SignerInfos(SetOfVec::try_from(vec![signer]).map_err(encoding)?),
    };
    let der = ContentInfo {
        content_type: ID_SIGNED_DATA,
        content: Any::from_der(&signed.to_der().map_err(encoding)?).map_err(encoding)?,
    }
    .to_der()
    .map_err(encoding)?;
    Ok((der, outcome))
}

/// The authority's token over `signature`, checked, and its time.
fn timestamped(authority: &dyn Timestamper, signature: &[u8]) -> Result<(ContentInfo, u64), String> {
    let (request, nonce) = tsp::request(signature)?;
    let response = authority.timestamp(&request)?;
    tsp::token(&response, signature, &nonce)
}
