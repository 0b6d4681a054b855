//! Property tests of the image readers on damaged files (a stable stand-in for `cargo fuzz`;
//! `PROPTEST_CASES` sets the number of cases, `.ci/run` runs a longer pass). Real JPEG and PNG
//! files, made here with the `image` crate, are cut short, overwritten and spliced at random,
//! then sniffed and optimized: nothing panics, and whatever comes out decodes again.

use crate::{Options, Verdict, optimize, sniff};
use image::{ImageEncoder, codecs::jpeg::JpegEncoder, codecs::png::PngEncoder};
use proptest::prelude::*;
use std::sync::OnceLock;

/// A 24×16 gradient with a sharp edge, so every JPEG table and PNG filter is exercised.
fn pixels() -> Vec<u8> {
    let mut rgb = Vec::new();
    for y in 0u8..16 {
        for x in 0u8..24 {
            rgb.extend_from_slice(&[x * 10, y * 15, if x > 12 { 255 } else { 0 }]);
        }
    }
    rgb
}

fn seeds() -> &'static [(&'static str, Vec<u8>)] {
    static SEEDS: OnceLock<Vec<(&'static str, Vec<u8>)>> = OnceLock::new();
    SEEDS.get_or_init(|| {
        let rgb = pixels();
        let mut jpeg = Vec::new();
        JpegEncoder::new_with_quality(&mut jpeg, 85)
            .write_image(&rgb, 24, 16, image::ExtendedColorType::Rgb8)
            .expect("a JPEG encodes");
        let mut png = Vec::new();
        PngEncoder::new(&mut png)
            .write_image(&rgb, 24, 16, image::ExtendedColorType::Rgb8)
            .expect("a PNG encodes");
        vec![("photo.jpg", jpeg), ("icon.png", png)]
    })
}

/// One way to damage a file.
#[derive(Debug, Clone)]
enum Damage {
    Truncate(usize),
    Overwrite(usize, Vec<u8>),
    Insert(usize, Vec<u8>),
}

fn damage() -> impl Strategy<Value = Damage> {
    prop_oneof![
        any::<usize>().prop_map(Damage::Truncate),
        (any::<usize>(), prop::collection::vec(any::<u8>(), 1..8))
            .prop_map(|(at, b)| Damage::Overwrite(at, b)),
        (any::<usize>(), prop::collection::vec(any::<u8>(), 1..8))
            .prop_map(|(at, b)| Damage::Insert(at, b)),
    ]
}

fn apply(mut bytes: Vec<u8>, damages: &[Damage]) -> Vec<u8> {
    for d in damages {
        let len = bytes.len().max(1);
        match d {
            Damage::Truncate(at) => bytes.truncate(at % len),
            Damage::Overwrite(at, with) => {
                for (i, b) in with.iter().enumerate() {
                    if let Some(slot) = bytes.get_mut((at + i) % len) {
                        *slot = *b;
                    }
                }
            }
            Damage::Insert(at, with) => {
                let at = (at % len).min(bytes.len());
                bytes.splice(at..at, with.iter().copied());
            }
        }
    }
    bytes
}

proptest! {
    #[test]
    fn damaged_images_never_panic(
        seed in 0usize..2,
        damages in prop::collection::vec(damage(), 1..4),
    ) {
        let Some((name, original)) = seeds().get(seed) else {
            return Ok(());
        };
        let bytes = apply(original.clone(), &damages);
        let _ = sniff(&bytes);
        let options = Options { png_level: 1, ..Options::default() };
        let outcome = optimize(name, &bytes, &options);
        // Whatever is offered as a replacement decodes again.
        if let Verdict::Replaced(new) = &outcome.verdict {
            prop_assert!(
                image::load_from_memory(&new.bytes).is_ok(),
                "{name}: a replacement that does not decode"
            );
        }
    }
}

/// The undamaged seeds go all the way through the codecs, so damaged ones start from there.
#[test]
fn seeds_reach_the_codecs() {
    for (name, bytes) in seeds() {
        let outcome = optimize(name, bytes, &Options::default());
        assert!(
            matches!(outcome.verdict, Verdict::Replaced(_)),
            "{name}: {:?}",
            outcome.verdict
        );
    }
}
