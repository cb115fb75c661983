//! What the person in front of the camera is told about a result.
//!
//! The browser holds only a session's client token (or a signer's journey token), and whoever
//! holds it may be an attacker probing what gets through. Reasons that describe what the attack
//! detection saw ([`Reason::reveals_detection`]: texture, screen, injection, identity, order,
//! the score against the threshold) become one generic code, [`NOT_VERIFIED`]; reasons the
//! person can act on (timeouts, missing challenges, framing and light, a second person, face
//! match) pass through. The detailed codes stay in the API-key session detail and the webhooks.

use livegate_engine::liveness::Reason;

/// The generic reason shown instead of any detection detail.
pub const NOT_VERIFIED: &str = "not_verified";

/// The person-facing code of one reason code.
pub fn person_code(code: &str) -> &str {
    match Reason::try_from(code.to_string()) {
        Ok(r) if !r.reveals_detection() => code,
        Ok(_) => NOT_VERIFIED,
        // Face match's own outcome is shown to the signer (seed 000: one result screen).
        Err(_) if code == "face_mismatch" => code,
        Err(_) => NOT_VERIFIED,
    }
}

/// Person-facing codes in order, each once. `not_enough_frames` is dropped when another reason
/// explains the attempt better.
pub fn person_reasons<'a>(codes: impl IntoIterator<Item = &'a str>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for code in codes {
        let shown = person_code(code);
        if !out.iter().any(|c| c == shown) {
            out.push(shown.to_string());
        }
    }
    if out.len() > 1 {
        out.retain(|c| c != "not_enough_frames");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detection_reasons_become_one_generic_code() {
        let codes = [
            "presentation_attack",
            "replay_suspected",
            "threshold_not_matched",
            "static_stream",
        ];
        assert_eq!(person_reasons(codes), vec![NOT_VERIFIED]);
    }

    #[test]
    fn actionable_reasons_pass_and_frame_counts_give_way() {
        let codes = ["not_enough_frames", "timeout", "quality_too_dark", "face_mismatch"];
        assert_eq!(
            person_reasons(codes),
            vec!["timeout", "quality_too_dark", "face_mismatch"]
        );
        assert_eq!(person_reasons(["not_enough_frames"]), vec!["not_enough_frames"]);
        assert_eq!(person_reasons(["something_new"]), vec![NOT_VERIFIED]);
    }
}
