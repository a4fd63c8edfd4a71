//! The form a plan takes in the browser's storage: a compressed snapshot plus a journal
//! of small deltas.
//!
//! localStorage holds strings and counts UTF-16 code units against a quota of about five
//! million. A snapshot is the document's compact binary form (`Doc::to_binary`: names
//! in a table, numbers as varints), deflated, and the deflated bytes packed 15 bits to a
//! code unit (U+0800–U+87FF, never a surrogate): about a twelfth of the characters of
//! the document's JSON, and read in about half the time JSON takes. The binary form's
//! length comes first, so reading inflates it into one allocation of its size (growing a
//! buffer instead held up to three times the size at once). Snapshots written by earlier
//! versions (deflated binary without its length, deflated JSON, plain JSON) still read.
//!
//! Compressing a large plan takes longer than a tap may wait, so an edit is stored by
//! appending a delta (the entity or record it touched, as a small document) to the
//! journal; the snapshot is rewritten later and the journal cleared. Reading merges the
//! journal into the snapshot. Deltas are states of the same replica, and merging is
//! idempotent, so a journal replayed onto a snapshot that already holds it changes
//! nothing, and a crash between the two writes of a compaction loses nothing.

use crate::doc::{Doc, DocError};

/// The first character of a packed snapshot (a JSON document starts with `{`).
const PACKED: char = '\u{1}';
/// The version of the packing, after the marker: the binary form's length (four bytes,
/// little-endian), then the binary form deflated. The length lets reading allocate the
/// inflated form once, at its size.
const PACKING: char = 'c';
/// The packing of the previous version: the binary form, deflated (no length).
const PACKING_BINARY: char = 'b';
/// The packing earlier versions wrote: the canonical JSON, deflated.
const PACKING_JSON: char = 'z';
/// Packed code units are `BASE + 15-bit value`.
const BASE: u32 = 0x0800;
/// The largest document a snapshot may inflate to.
const MAX_INFLATED: usize = 256 * 1024 * 1024;

/// A packed, compressed snapshot of a document.
pub fn encode_snapshot(doc: &Doc) -> String {
    let binary = doc.to_binary();
    let mut bytes = (binary.len() as u32).to_le_bytes().to_vec();
    bytes.extend(miniz_oxide::deflate::compress_to_vec(&binary, 1));
    drop(binary);
    pack(PACKING, &bytes)
}

/// Reads a snapshot: a packed one, or the canonical JSON earlier versions stored.
pub fn decode_snapshot(text: &str) -> Result<Doc, DocError> {
    match unpacked(text)? {
        None => Doc::from_json(text.as_bytes()),
        Some(packed) => packed.read(),
    }
}

/// [`decode_snapshot`], letting go of the text once it is unpacked: a large plan's text
/// takes megabytes, and the document is built after it.
pub fn decode_snapshot_owned(text: String) -> Result<Doc, DocError> {
    let packed = match unpacked(&text)? {
        None => return Doc::from_json(text.as_bytes()),
        Some(packed) => packed,
    };
    drop(text);
    packed.read()
}

/// The bytes of a packed snapshot, and how to read them.
struct Packed {
    packing: char,
    bytes: Vec<u8>,
}

/// Unpacks a packed snapshot; `None` for JSON.
fn unpacked(text: &str) -> Result<Option<Packed>, DocError> {
    let mut chars = text.chars();
    if chars.next() != Some(PACKED) {
        return Ok(None);
    }
    let packing = match chars.next() {
        Some(p @ (PACKING | PACKING_BINARY | PACKING_JSON)) => p,
        _ => {
            return Err(DocError::Malformed(
                "the stored plan uses a packing this version does not know".into(),
            ))
        }
    };
    let bytes = unpack(chars.as_str())
        .ok_or_else(|| DocError::Malformed("the stored plan is damaged (packing)".into()))?;
    Ok(Some(Packed { packing, bytes }))
}

impl Packed {
    fn read(self) -> Result<Doc, DocError> {
        let damaged =
            |why: &str| DocError::Malformed(format!("the stored plan is damaged ({why})"));
        if self.packing == PACKING {
            let (len, deflated) = self
                .bytes
                .split_first_chunk::<4>()
                .ok_or_else(|| damaged("no length"))?;
            let len = u32::from_le_bytes(*len) as usize;
            if len > MAX_INFLATED {
                return Err(damaged("too long"));
            }
            let mut binary = vec![0; len];
            let n = miniz_oxide::inflate::decompress_slice_iter_to_slice(
                &mut binary,
                std::iter::once(deflated),
                false,
                false,
            )
            .map_err(|e| damaged(&format!("{e:?}")))?;
            if n != len {
                return Err(damaged("shorter than its length"));
            }
            drop(self.bytes);
            return Doc::from_binary(&binary);
        }
        let inflated =
            miniz_oxide::inflate::decompress_to_vec_with_limit(&self.bytes, MAX_INFLATED)
                .map_err(|e| damaged(&format!("{e:?}")))?;
        drop(self.bytes);
        if self.packing == PACKING_BINARY {
            Doc::from_binary(&inflated)
        } else {
            Doc::from_json(&inflated)
        }
    }
}

/// The journal with one more delta.
pub fn append(journal: &str, delta: &str) -> String {
    if journal.is_empty() {
        delta.to_owned()
    } else {
        format!("{journal}\n{delta}")
    }
}

/// 15 bits a code unit, after two units holding the byte count.
fn pack(packing: char, bytes: &[u8]) -> String {
    let mut out = String::with_capacity(2 + bytes.len() * 8 / 15 + 2);
    out.push(PACKED);
    out.push(packing);
    let n = bytes.len() as u32;
    let unit = |v: u32| char::from_u32(BASE + v).expect("below the surrogates");
    out.push(unit(n >> 15 & 0x7fff));
    out.push(unit(n & 0x7fff));
    let (mut acc, mut bits) = (0u32, 0u32);
    for &b in bytes {
        acc = acc << 8 | b as u32;
        bits += 8;
        if bits >= 15 {
            bits -= 15;
            out.push(unit(acc >> bits & 0x7fff));
            acc &= (1 << bits) - 1;
        }
    }
    if bits > 0 {
        out.push(unit(acc << (15 - bits) & 0x7fff));
    }
    out
}

fn unpack(text: &str) -> Option<Vec<u8>> {
    let mut units = text.chars().map(|c| {
        let v = (c as u32).checked_sub(BASE)?;
        (v < 0x8000).then_some(v)
    });
    let hi = units.next()??;
    let lo = units.next()??;
    let n = (hi << 15 | lo) as usize;
    let mut out = Vec::with_capacity(n);
    let (mut acc, mut bits) = (0u32, 0u32);
    for u in units {
        acc = acc << 15 | u?;
        bits += 15;
        while bits >= 8 && out.len() < n {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    (out.len() == n).then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::generate::{plan, Shape};

    #[test]
    fn packing_round_trips_every_length_and_byte() {
        for len in 0..64 {
            let bytes: Vec<u8> = (0..len).map(|i| (i * 37 + 255 - i) as u8).collect();
            let packed = pack(PACKING, &bytes);
            assert!(packed
                .chars()
                .skip(2)
                .all(|c| (0x0800..0x8800).contains(&(c as u32))));
            assert_eq!(unpack(&packed[PACKED.len_utf8() + 1..]), Some(bytes));
        }
        let all: Vec<u8> = (0..=255).cycle().take(10_000).collect();
        assert_eq!(unpack(&pack(PACKING, &all)[2..]), Some(all));
    }

    #[test]
    fn a_snapshot_reads_back_the_same_document_in_under_a_tenth_of_the_characters() {
        let doc = plan(&Shape {
            items: 200,
            records_per_item: 10,
            devices: 20,
            seed: 3,
        });
        let text = encode_snapshot(&doc);
        assert_eq!(decode_snapshot(&text).unwrap(), doc);
        let json = String::from_utf8(doc.to_json()).unwrap();
        let (packed, plain) = (text.encode_utf16().count(), json.encode_utf16().count());
        assert!(
            packed * 10 < plain,
            "packed {packed} code units against {plain} for the JSON"
        );
        assert_eq!(decode_snapshot(&text).unwrap().to_json(), json.as_bytes());
        // What earlier versions stored still reads: plain JSON, and deflated JSON.
        assert_eq!(decode_snapshot(&json).unwrap(), doc);
        let deflated_json = pack(
            PACKING_JSON,
            &miniz_oxide::deflate::compress_to_vec(json.as_bytes(), 1),
        );
        assert_eq!(decode_snapshot(&deflated_json).unwrap(), doc);
        let deflated_binary = pack(
            PACKING_BINARY,
            &miniz_oxide::deflate::compress_to_vec(&doc.to_binary(), 1),
        );
        assert_eq!(decode_snapshot(&deflated_binary).unwrap(), doc);
        // Owned text reads the same.
        assert_eq!(decode_snapshot_owned(text.clone()).unwrap(), doc);
        assert_eq!(decode_snapshot_owned(json.clone()).unwrap(), doc);
    }

    #[test]
    fn damage_is_reported_not_read_as_a_plan() {
        let text = encode_snapshot(&crate::seed::xixing_2021());
        let cut: String = text.chars().take(text.chars().count() / 2).collect();
        assert!(decode_snapshot(&cut).is_err());
        let mut flipped: Vec<char> = text.chars().collect();
        let mid = flipped.len() / 2;
        flipped[mid] = '\u{0800}';
        flipped[mid + 1] = '\u{87ff}';
        let flipped: String = flipped.into_iter().collect();
        assert!(decode_snapshot(&flipped).is_err());
        assert!(decode_snapshot("\u{1}q").is_err());
        assert!(decode_snapshot("\u{1}z\u{20}").is_err());
        // A length that does not match what inflates, either way.
        let doc = crate::seed::xixing_2021();
        let deflated = miniz_oxide::deflate::compress_to_vec(&doc.to_binary(), 1);
        for len in [
            doc.to_binary().len() - 1,
            doc.to_binary().len() + 1,
            u32::MAX as usize,
        ] {
            let mut bytes = (len as u32).to_le_bytes().to_vec();
            bytes.extend(&deflated);
            assert!(
                decode_snapshot(&pack(PACKING, &bytes)).is_err(),
                "length {len}"
            );
        }
        assert!(decode_snapshot(&pack(PACKING, &[1, 0])).is_err());
    }
}
