//! The text armor parser (`armor::decode`), as `recover`, `verify` and `inspect` call it on a
//! share file. Beyond "no panic": whatever it accepts is exactly what `armor::encode` (or
//! `encode_compact`) writes for the decoded share, so one share has one text form.
#![no_main]

use coldshard::armor;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(decoded) = armor::decode(data) else {
        return;
    };
    let text = std::str::from_utf8(data).expect("accepted armor is UTF-8");
    let canonical = if text
        .trim_start_matches(|c: char| c.is_ascii_whitespace())
        .starts_with(armor::COMPACT_PREFIX)
    {
        assert!(decoded.label.is_none(), "the compact form has no label");
        let compact = armor::encode_compact(&decoded.share);
        assert_eq!(
            text.trim_matches(|c: char| c.is_ascii_whitespace()),
            compact
        );
        compact
    } else {
        let canonical = armor::encode(&decoded.share, decoded.label.as_ref());
        // Only what encode writes is accepted, a missing final newline aside.
        assert!(
            text == canonical || format!("{text}\n") == canonical,
            "accepted a non-canonical armor"
        );
        canonical
    };
    // And the canonical form reads back to the same share.
    assert_eq!(armor::decode(canonical.as_bytes()).as_ref(), Ok(&decoded));
});
