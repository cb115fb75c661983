//! The e-signature integration (seed 000): departments, documents and invitees, the signing
//! journey (invitation → OTP → capture → sign), the completed PDF with its evidence page, and
//! the notifier.

pub mod attempts;
pub mod capture;
pub mod completion;
pub mod domain;
pub mod journey;
pub mod notify;
pub mod privacy;
pub mod retention;
pub mod rules;
pub mod signing;
pub mod timestamp;
