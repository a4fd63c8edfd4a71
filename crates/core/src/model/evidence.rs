//! What a record holds as evidence besides its words: photos named by the SHA-256 of
//! their stored bytes, where the tablet was, and when it took them.
//!
//! The images themselves never enter the plan document: a record lists them by hash,
//! the tablet keeps their bytes apart (IndexedDB) and uploads them to
//! `media/{plan}/{hash}.jpg`. A location lives only in the record, never in an image.

use serde::{Deserialize, Serialize};

/// The most photos one record lists.
pub const MAX_PHOTOS: usize = 50;
/// The largest stored photo or thumbnail a record may name (the server's default limit).
pub const MAX_PHOTO_BYTES: u64 = 8 * 1024 * 1024;

/// One photo of a record: the downscaled image and its thumbnail, each by the SHA-256
/// (64 lowercase hex digits) of its stored JPEG bytes.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Photo {
    /// The photo's hash (at most 1600 px on its long side).
    pub photo: String,
    /// The thumbnail's hash (about 320 px on its long side).
    pub thumb: String,
    /// The photo's size in pixels.
    #[serde(rename = "w")]
    pub width: u32,
    #[serde(rename = "h")]
    pub height: u32,
    /// The photo's stored size in bytes.
    #[serde(rename = "b")]
    pub bytes: u64,
}

impl Photo {
    /// The media path of the photo (`media/{plan}/{hash}.jpg`).
    pub fn path(plan: &str, hash: &str) -> String {
        format!("media/{plan}/{hash}.jpg")
    }
}

/// A location fix from the tablet's geolocation.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Location {
    /// Latitude and longitude in degrees (WGS 84, as the browser gives them).
    pub lat: f64,
    pub lon: f64,
    /// The fix's accuracy radius in metres.
    #[serde(rename = "acc")]
    pub accuracy: f64,
    /// When the fix was taken, Unix milliseconds.
    pub at: i64,
}

impl Location {
    /// Whether the coordinates are on the globe and the accuracy a distance.
    pub fn is_valid(&self) -> bool {
        (-90.0..=90.0).contains(&self.lat)
            && (-180.0..=180.0).contains(&self.lon)
            && self.accuracy.is_finite()
            && self.accuracy >= 0.0
    }
}

/// Whether `hash` is a SHA-256 in the form media names use: 64 lowercase hex digits.
pub fn is_media_hash(hash: &str) -> bool {
    hash.len() == 64 && hash.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// The great-circle distance in metres between two points given in degrees (haversine
/// on a sphere of the Earth's mean radius: within 0.5 % of the ellipsoid, plenty for
/// "how far from the site was this taken").
pub fn distance_m(lat1: f64, lon1: f64, lat2: f64, lon2: f64) -> f64 {
    const EARTH_RADIUS_M: f64 = 6_371_008.8;
    let (p1, p2) = (lat1.to_radians(), lat2.to_radians());
    let dp = p2 - p1;
    let dl = (lon2 - lon1).to_radians();
    let a = (dp / 2.0).sin().powi(2) + p1.cos() * p2.cos() * (dl / 2.0).sin().powi(2);
    2.0 * EARTH_RADIUS_M * a.sqrt().asin()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distances_match_known_figures() {
        // One degree of latitude is about 111.2 km anywhere.
        let d = distance_m(30.0, 120.0, 31.0, 120.0);
        assert!((d - 111_195.0).abs() < 50.0, "{d}");
        // Same point: zero.
        assert_eq!(distance_m(30.2, 120.2, 30.2, 120.2), 0.0);
        // Across Xixing (滨江区): about 1.1 km between two compounds 0.01° of longitude
        // apart at 30.2° N.
        let d = distance_m(30.2, 120.20, 30.2, 120.21);
        assert!((d - 961.0).abs() < 5.0, "{d}");
    }

    #[test]
    fn media_hashes_are_64_lowercase_hex_digits() {
        let h = "a".repeat(64);
        assert!(is_media_hash(&h));
        assert!(!is_media_hash(&"A".repeat(64)));
        assert!(!is_media_hash(&"a".repeat(63)));
        assert!(!is_media_hash(&format!("{}g", "a".repeat(63))));
    }
}
