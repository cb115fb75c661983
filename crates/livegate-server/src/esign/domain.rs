//! The e-signature domain, typed: an invitee's [`InviteeState`] moves only through
//! [`transition`], one pure function of the state and what happened ([`Step`]); a document's
//! [`DocumentStatus`]; a signer's [`SignerType`]. The store keeps their names (`as_str`); rows are
//! read through [`invitee_state`], [`document_status`] and [`signer_type`].
//!
//! ```text
//! waiting ──invite──▶ invited ──verify_otp──▶ otp_verified ──proceed──▶ verified
//!    │                   │                        │   └──────sign──────┐    │ (verify_otp: stays)
//!    └──sign (automated)─┼────────────────────────┼────────────────────▶ signed ◀──sign──┘
//!                        └─────────fail───────────┴──────fail──────────▶ failed (also from verified)
//! ```

use std::fmt;

use crate::error::ApiError;
use crate::store::{DocumentRow, InviteeRow};

macro_rules! named {
    ($(#[$doc:meta])* $name:ident { $($(#[$vdoc:meta])* $variant:ident = $text:literal),+ $(,)? }) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        pub enum $name {
            $($(#[$vdoc])* $variant),+
        }

        impl $name {
            /// Every value.
            pub const ALL: &'static [Self] = &[$(Self::$variant),+];

            /// The stored and API name.
            pub fn as_str(self) -> &'static str {
                match self {
                    $(Self::$variant => $text),+
                }
            }

            /// The value named `text`, if any.
            pub fn parse(text: &str) -> Option<Self> {
                match text {
                    $($text => Some(Self::$variant),)+
                    _ => None,
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

named!(
    /// Where an invitee is in the journey.
    InviteeState {
        /// An earlier signing order has not finished.
        Waiting = "waiting",
        /// The invitation is sent.
        Invited = "invited",
        /// The one-time code was entered.
        OtpVerified = "otp_verified",
        /// The face capture passed and the signer proceeded.
        Verified = "verified",
        /// Signed.
        Signed = "signed",
        /// Every capture attempt failed.
        Failed = "failed",
    }
);

named!(
    /// What can happen to an invitee.
    Step {
        /// Their signing order came: the invitation goes out.
        Invite = "invite",
        /// The right one-time code was entered (again, after reopening the link).
        VerifyOtp = "verify_otp",
        /// The capture passed and the signer went on to sign.
        Proceed = "proceed",
        /// The signature was given (by an automated signer at its turn).
        Sign = "sign",
        /// The last capture attempt failed.
        Fail = "fail",
    }
);

named!(
    /// A document's life.
    DocumentStatus {
        /// Out for signature.
        Sent = "sent",
        /// Everyone signed; the signed PDF exists.
        Completed = "completed",
        /// Cancelled by the sender.
        Cancelled = "cancelled",
    }
);

named!(
    /// Who signs.
    SignerType {
        /// A person, through the journey.
        Person = "person",
        /// An automated signer that signs at its turn.
        VirtualSigner = "virtual_signer",
        /// An automated document signer.
        DocSigner = "doc_signer",
    }
);

impl InviteeState {
    /// Signed or failed: nothing more happens to the invitee.
    pub fn is_closed(self) -> bool {
        matches!(self, Self::Signed | Self::Failed)
    }
}

/// A step that cannot happen in a state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("an invitee that is {from} cannot {step}")]
pub struct TransitionError {
    /// The state.
    pub from: InviteeState,
    /// What was tried.
    pub step: Step,
}

/// The state after `step` in `from`.
pub fn transition(from: InviteeState, step: Step) -> Result<InviteeState, TransitionError> {
    use InviteeState::*;
    match (from, step) {
        (Waiting, Step::Invite) => Ok(Invited),
        (Invited | OtpVerified, Step::VerifyOtp) => Ok(OtpVerified),
        // Reopening the link after proceeding asks for a new code; the capture stays passed.
        (Verified, Step::VerifyOtp) => Ok(Verified),
        (OtpVerified | Verified, Step::Proceed) => Ok(Verified),
        // Automated signers sign at their turn; people after their code (and capture, checked
        // by the journey).
        (Waiting | OtpVerified | Verified, Step::Sign) => Ok(Signed),
        (Invited | OtpVerified | Verified, Step::Fail) => Ok(Failed),
        _ => Err(TransitionError { from, step }),
    }
}

fn stored<T>(what: &str, value: &str, parsed: Option<T>) -> Result<T, ApiError> {
    parsed.ok_or_else(|| ApiError::Internal(format!("stored {what} {value:?} is not one we know")))
}

/// The invitee's state.
pub fn invitee_state(i: &InviteeRow) -> Result<InviteeState, ApiError> {
    stored("invitee state", &i.state, InviteeState::parse(&i.state))
}

/// The document's status.
pub fn document_status(doc: &DocumentRow) -> Result<DocumentStatus, ApiError> {
    stored("document status", &doc.status, DocumentStatus::parse(&doc.status))
}

/// The invitee's signer type.
pub fn signer_type(i: &InviteeRow) -> Result<SignerType, ApiError> {
    stored("signer type", &i.signer_type, SignerType::parse(&i.signer_type))
}

/// Moves `i` by `step` (the row is then saved by the caller).
pub fn apply(i: &mut InviteeRow, step: Step) -> Result<(), ApiError> {
    i.state = transition(invitee_state(i)?, step)?.as_str().into();
    Ok(())
}

/// Why the journey of an invitee in `state` cannot go on; `None` while it is open.
pub fn journey_closed(state: InviteeState) -> Option<ApiError> {
    match state {
        InviteeState::Signed => Some(ApiError::JourneyClosed("this document is already signed by you".into())),
        InviteeState::Failed => Some(ApiError::JourneyClosed(
            "verification failed and no attempts are left; the sender has been notified".into(),
        )),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_state_and_step_has_one_outcome() {
        use InviteeState::*;
        let table = [
            (Waiting, [Some(Invited), None, None, Some(Signed), None]),
            (Invited, [None, Some(OtpVerified), None, None, Some(Failed)]),
            (
                OtpVerified,
                [None, Some(OtpVerified), Some(Verified), Some(Signed), Some(Failed)],
            ),
            (
                Verified,
                [None, Some(Verified), Some(Verified), Some(Signed), Some(Failed)],
            ),
            (Signed, [None; 5]),
            (Failed, [None; 5]),
        ];
        assert_eq!(table.len(), InviteeState::ALL.len());
        for (from, outcomes) in table {
            for (step, expected) in Step::ALL.iter().zip(outcomes) {
                assert_eq!(transition(from, *step).ok(), expected, "{from} + {step}");
            }
        }
        for closed in [Signed, Failed] {
            assert!(closed.is_closed());
        }
    }

    #[test]
    fn names_round_trip_and_unknown_ones_are_refused() {
        for s in InviteeState::ALL {
            assert_eq!(InviteeState::parse(s.as_str()), Some(*s));
        }
        for s in DocumentStatus::ALL {
            assert_eq!(DocumentStatus::parse(s.as_str()), Some(*s));
        }
        for s in SignerType::ALL {
            assert_eq!(SignerType::parse(s.as_str()), Some(*s));
        }
        assert_eq!(InviteeState::parse("Signed"), None);
        let row = InviteeRow {
            state: "lost".into(),
            ..InviteeRow::default()
        };
        assert_eq!(invitee_state(&row).unwrap_err().status_and_code().1, "internal_error");
        let mut row = row;
        assert!(matches!(apply(&mut row, Step::Sign), Err(ApiError::Internal(_))));
        let mut signed = InviteeRow {
            state: "signed".into(),
            ..InviteeRow::default()
        };
        assert!(matches!(
            apply(&mut signed, Step::Fail),
            Err(ApiError::JourneyClosed(_))
        ));
        assert_eq!(signed.state, "signed");
    }
}
