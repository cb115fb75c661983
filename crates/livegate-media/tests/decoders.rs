//! Property tests over the image decoders: no input, however damaged, panics; every failure is a
//! typed error with a stable code.

use livegate_media::{decode_image, ImageLimits, MediaError};
use proptest::prelude::*;

fn sample_jpeg() -> Vec<u8> {
    std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../tests/data/silentface_T1.jpg"
    ))
    .expect("committed")
}

fn known_code(e: &MediaError) -> bool {
    matches!(
        e.code(),
        "image_empty" | "image_unsupported_format" | "image_corrupt" | "image_too_large"
    )
}

/// A PNG signature and IHDR chunk claiming `w x h` RGB, then nothing.
fn png_header(w: u32, h: u32) -> Vec<u8> {
    let mut v = vec![
        0x89, b'P', b'N', b'G', 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, b'I', b'H', b'D', b'R',
    ];
    v.extend_from_slice(&w.to_be_bytes());
    v.extend_from_slice(&h.to_be_bytes());
    v.extend_from_slice(&[8, 2, 0, 0, 0]);
    let crc = crc32(&v[12..]);
    v.extend_from_slice(&crc.to_be_bytes());
    v
}

fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = 0xffff_ffffu32;
    for &b in bytes {
        crc ^= b as u32;
        for _ in 0..8 {
            crc = if crc & 1 != 0 {
                (crc >> 1) ^ 0xedb8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

#[test]
fn huge_declared_size_is_refused_before_allocation() {
    let e = decode_image(&png_header(20_000, 20_000), ImageLimits::default()).unwrap_err();
    assert_eq!(e.code(), "image_too_large", "{e}");
}

#[test]
fn exif_orientation_is_honoured() {
    // The Silent-Face sample is stored 640x480 with EXIF orientation 6 (display 480x640).
    let img = decode_image(&sample_jpeg(), ImageLimits::default()).unwrap();
    assert_eq!((img.width(), img.height()), (480, 640));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..4096)) {
        if let Err(e) = decode_image(&bytes, ImageLimits::default()) {
            prop_assert!(known_code(&e), "{}", e);
        }
    }

    #[test]
    fn damaged_jpeg_never_panics(cut in 0usize..70_000, flips in proptest::collection::vec((0usize..70_000, any::<u8>()), 0..16)) {
        let mut bytes = sample_jpeg();
        for (at, value) in flips {
            let i = at % bytes.len();
            bytes[i] = value;
        }
        bytes.truncate(cut.min(bytes.len()));
        if let Err(e) = decode_image(&bytes, ImageLimits::default()) {
            prop_assert!(known_code(&e), "{}", e);
        }
    }

    #[test]
    fn png_headers_of_any_size_never_panic(w in 0u32..100_000, h in 0u32..100_000) {
        if let Err(e) = decode_image(&png_header(w, h), ImageLimits::default()) {
            prop_assert!(known_code(&e), "{}", e);
        }
    }
}
