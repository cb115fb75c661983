// @ts-check
/**
 * Livegate e-signature pages: the JSON shapes of the API they use (docs/ESIGN.md), as JSDoc
 * types. Nothing runs here; the other modules import these types with `import('./types.js')`.
 */

/**
 * @typedef {Object} Department
 * @property {string} id
 * @property {string} name
 * @property {boolean} smart_liveliness
 * @property {number} acceptance_percentage
 * @property {number} created_at
 * @property {number} updated_at
 * @property {number} [capture_retention_days]
 * @property {string | null} [privacy_notice]
 * @property {string | null} [privacy_contact]
 * @property {string | null} [brand_name]
 * @property {string | null} [brand_colour]
 */

/**
 * @typedef {Object} DepartmentChange
 * @property {number} at
 * @property {string} actor
 * @property {string} field
 * @property {unknown} old
 * @property {unknown} new
 */

/**
 * @typedef {Object} Template
 * @property {string} id
 * @property {string} name
 * @property {string} sha256
 * @property {number} pages
 * @property {number} bytes
 * @property {number} created_at
 */

/** @typedef {'person' | 'virtual_signer' | 'doc_signer'} SignerType */

/**
 * The security options of one invitee as `POST /v1/documents` takes them.
 * @typedef {Object} SecurityRequest
 * @property {boolean} capture_photo
 * @property {boolean} [smart_liveliness]
 * @property {number} [liveliness_retries]
 * @property {{ reference_image: string, retries: number }} [face_match]
 */

/**
 * @typedef {Object} InviteeRequest
 * @property {string} name
 * @property {string} [email]
 * @property {string} [phone]
 * @property {number} [signing_order]
 * @property {SignerType} signer_type
 * @property {SecurityRequest} [security]
 */

/**
 * @typedef {Object} DocumentRequest
 * @property {string} department_id
 * @property {string} title
 * @property {string} [pdf]
 * @property {string} [template_id]
 * @property {string} [sender_email] who is told when a signer fails (read by the server; not in docs/ESIGN.md)
 * @property {InviteeRequest[]} invitees
 */

/**
 * @typedef {Object} LivenessStep
 * @property {boolean} enabled
 * @property {number | null} threshold
 * @property {number | null} score
 * @property {boolean | null} passed
 * @property {number} attempts_used
 * @property {number} attempts_left
 */

/**
 * @typedef {Object} FaceMatchStep
 * @property {boolean} enabled
 * @property {boolean} attempted
 * @property {boolean | null} matched
 * @property {number | null} similarity
 * @property {number} attempts_used
 * @property {number} attempts_left
 */

/**
 * @typedef {Object} CaptureStep
 * @property {number} attempts_used
 * @property {number} attempts_left
 * @property {number} max_attempts
 * @property {string[]} sessions
 * @property {LivenessStep} liveness
 * @property {FaceMatchStep} face_match
 * @property {string[]} reasons
 * @property {{ url: string, sha256: string }[]} captures
 */

/**
 * @typedef {Object} Failure
 * @property {string} code
 * @property {string} message
 */

/**
 * @typedef {Object} Invitee
 * @property {string} id
 * @property {string} name
 * @property {string | null} [email]
 * @property {string | null} [phone]
 * @property {number} signing_order
 * @property {SignerType} signer_type
 * @property {'waiting' | 'invited' | 'otp_verified' | 'verified' | 'signed' | 'failed'} state
 * @property {{ capture_photo: boolean, smart_liveliness: boolean, liveliness_retries: number, face_match: boolean, face_match_retries: number } | null} [security]
 * @property {{
 *   invitation?: { sent_at: number | null, opened_at: number | null, expires_at: number | null } | null,
 *   otp?: { channel: string, verified_at: number | null, tries_left?: number | null, sends?: number } | null,
 *   capture?: CaptureStep | null,
 *   signature?: { kind: string, signed_at: number | null } | null,
 * }} [steps]
 * @property {Failure | null} [failure]
 * @property {string} [invitation_url]
 */

/**
 * @typedef {Object} DocumentDetail
 * @property {string} id
 * @property {string} title
 * @property {string} department_id
 * @property {'sent' | 'completed' | 'failed' | 'cancelled'} status
 * @property {string} sha256
 * @property {number} pages
 * @property {number} created_at
 * @property {number | null} completed_at
 * @property {string | null} [signed_sha256]
 * @property {Invitee[]} invitees
 */

/**
 * @typedef {Object} DocumentSummary
 * @property {string} id
 * @property {string} title
 * @property {string} status
 * @property {number} created_at
 * @property {number | null} completed_at
 */

/**
 * @typedef {Object} ApiKey
 * @property {string} id
 * @property {string} name
 * @property {string[]} scopes
 * @property {string} tenant
 * @property {number} created_at
 * @property {number | null} last_used_at
 * @property {number | null} revoked_at
 */

/**
 * @typedef {Object} OutboxMessage
 * @property {string} id
 * @property {number} at
 * @property {string} channel
 * @property {string} to
 * @property {string} subject
 * @property {string} body
 * @property {'invitation' | 'otp' | 'sender_notice'} kind
 */

/**
 * `GET /v1/esign/signing-certificate`: the certificate completed PDFs are signed with.
 * @typedef {Object} SigningCertificate
 * @property {string} subject
 * @property {'configured' | 'self_signed'} source
 * @property {string} fingerprint_sha256
 */

/**
 * @typedef {Object} OtpInfo
 * @property {string} channel
 * @property {string} to_masked
 * @property {number} expires_at
 * @property {number} resend_after
 */

/** @typedef {'otp' | 'consent' | 'instructions' | 'capture' | 'sign' | 'done' | 'failed'} Step */

/**
 * The privacy notice shown before the camera.
 * @typedef {Object} PrivacyNotice
 * @property {string} notice what is captured and why
 * @property {number} retention_days
 * @property {string | null} contact
 * @property {number | null} consented_at
 */

/**
 * @typedef {Object} Branding
 * @property {string} name
 * @property {string | null} colour `#rrggbb`
 */

/**
 * `GET /v1/sign/state` (and `POST /v1/sign/open`, with `link` and `journey_token`).
 * @typedef {Object} JourneyState
 * @property {Step} step
 * @property {{ name: string }} invitee
 * @property {{ title: string, pages: number, status?: string }} document
 * @property {{ capture_photo: boolean, smart_liveliness: boolean, face_match: boolean } | null} [security]
 * @property {CaptureStep | null} [capture]
 * @property {string[]} [best_practices]
 * @property {Failure | null} [failure]
 * @property {OtpInfo | null} [otp] (not in the contract; used when present)
 * @property {PrivacyNotice} [privacy]
 * @property {Branding} [branding]
 * @property {string | null} [redirect_url] at `done`, where the signer goes on
 * @property {'fresh' | 'resumed' | 'signed'} [link] what opening the link found
 * @property {string} [journey_token] only when the link was just opened
 */

export {};
