//! Property tests of every scanner on random and damaged input (a stable stand-in for
//! `cargo fuzz`; `PROPTEST_CASES` sets the number of cases, `.ci/run` runs a longer pass): no
//! panic, every span inside the text and on the bytes it claims, and `splice` with the spans
//! found gives back the text when each span is replaced by itself.

use crate::{Span, css, data_url, html, js, loader, map_url, splice};
use proptest::prelude::*;

/// Text made of the pieces the scanners look for, glued with junk: far more likely to reach
/// their inner branches than uniform random bytes.
fn shaped() -> impl Strategy<Value = Vec<u8>> {
    let piece = prop_oneof![
        Just(b"import".to_vec()),
        Just(b"from".to_vec()),
        Just(b"import(".to_vec()),
        Just(b"new URL(".to_vec()),
        Just(b"import.meta.url".to_vec()),
        Just(b"\"./a-1.js\"".to_vec()),
        Just(b"'../x.css'".to_vec()),
        Just(b"`./t.js`".to_vec()),
        Just(b"url(".to_vec()),
        Just(b"@import ".to_vec()),
        Just(b"<script src=".to_vec()),
        Just(b"<link rel=modulepreload href=\"/a.js\" integrity=\"sha384-x\">".to_vec()),
        Just(b"<!--".to_vec()),
        Just(b"-->".to_vec()),
        Just(b"<".to_vec()),
        Just(b">".to_vec()),
        Just(b"=".to_vec()),
        Just(b"\"".to_vec()),
        Just(b"'".to_vec()),
        Just(b"__vite__mapDeps=(i,m=__vite__mapDeps,d=(m.f||(m.f=[".to_vec()),
        Just(b"]".to_vec()),
        Just(b"\"static/chunks/a.js\"".to_vec()),
        Just(b"/_next/".to_vec()),
        Just(b"//# sourceMappingURL=".to_vec()),
        Just(b"/*# sourceMappingURL=a.css.map */".to_vec()),
        Just(b"data:application/json;base64,".to_vec()),
        Just("é€😀".as_bytes().to_vec()),
        Just(b"\n".to_vec()),
        proptest::collection::vec(any::<u8>(), 0..8),
    ];
    proptest::collection::vec(piece, 0..40).prop_map(|p| p.concat())
}

fn input() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![shaped(), proptest::collection::vec(any::<u8>(), 0..512)]
}

fn inside(text: &[u8], span: &Span) {
    assert!(
        span.start <= span.end && span.end <= text.len(),
        "{span:?} in {}",
        text.len()
    );
}

proptest! {
    #[test]
    fn js_references_stay_inside(text in input()) {
        let refs = js::references(&text);
        for r in &refs {
            inside(&text, &r.span);
            prop_assert_eq!(&text[r.span.clone()], r.specifier.as_bytes());
        }
        let same = splice(&text, refs.iter().map(|r| (r.span.clone(), &text[r.span.clone()])));
        prop_assert_eq!(same, text);
    }

    #[test]
    fn css_references_stay_inside(text in input()) {
        let refs = css::references(&text);
        for r in &refs {
            inside(&text, &r.span);
        }
        let mut spans: Vec<Span> = refs.iter().map(|r| r.span.clone()).collect();
        spans.sort_by_key(|s| s.start);
        prop_assert!(spans.windows(2).all(|w| w[0].end <= w[1].start), "overlapping: {:?}", spans);
    }

    #[test]
    fn html_tags_stay_inside(text in input()) {
        let s = String::from_utf8_lossy(&text).into_owned();
        for tag in html::tags(&s) {
            inside(s.as_bytes(), &tag.span);
            for a in &tag.attrs {
                inside(s.as_bytes(), &a.span);
                if let Some(v) = &a.value_span {
                    inside(s.as_bytes(), v);
                    prop_assert!(s.is_char_boundary(v.start) && s.is_char_boundary(v.end));
                }
            }
        }
    }

    #[test]
    fn loader_tables_stay_inside(text in input()) {
        if let Some(t) = loader::vite_preload_table(&text) {
            inside(&text, &t.list);
            for p in &t.items {
                inside(&text, &p.span);
            }
        }
        for p in loader::next_chunk_paths(&text).iter().chain(&loader::paths(&text)) {
            inside(&text, &p.span);
        }
    }

    #[test]
    fn map_comments_and_data_urls_never_panic(text in input()) {
        if let Some(c) = map_url::find(&text) {
            inside(&text, &c.comment);
            inside(&text, &c.url);
            let _ = c.url(&text);
        }
        let _ = map_url::url(&text);
        let _ = data_url::decode(&String::from_utf8_lossy(&text));
    }
}
