//! A media file's name, `media/{plan}/{sha256}.{jpg|png|webp}`, and the image types
//! the server takes, told by their first bytes.

use jindu_core::index::is_plan_id;

use crate::store::FilePath;

/// The first segment of every media path.
pub(crate) const MEDIA_DIR: &str = "media";

/// The shape of a media path, for refusals.
pub(crate) const SHAPE: &str =
    "media/{plan}/{64 lowercase hex: the SHA-256 of the body}.{jpg|png|webp}";

/// An image type the server stores.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ImageKind {
    Jpeg,
    Png,
    Webp,
}

impl ImageKind {
    fn from_extension(ext: &str) -> Option<ImageKind> {
        match ext {
            "jpg" => Some(ImageKind::Jpeg),
            "png" => Some(ImageKind::Png),
            "webp" => Some(ImageKind::Webp),
            _ => None,
        }
    }

    pub(crate) fn extension(self) -> &'static str {
        match self {
            ImageKind::Jpeg => "jpg",
            ImageKind::Png => "png",
            ImageKind::Webp => "webp",
        }
    }

    pub(crate) fn content_type(self) -> &'static str {
        match self {
            ImageKind::Jpeg => "image/jpeg",
            ImageKind::Png => "image/png",
            ImageKind::Webp => "image/webp",
        }
    }

    /// The type a body's magic bytes say it is: JPEG `FF D8 FF`, PNG's eight-byte
    /// signature, WebP `RIFF....WEBP`.
    pub(crate) fn sniff(body: &[u8]) -> Option<ImageKind> {
        if body.starts_with(&[0xFF, 0xD8, 0xFF]) {
            Some(ImageKind::Jpeg)
        } else if body.starts_with(b"\x89PNG\r\n\x1a\n") {
            Some(ImageKind::Png)
        } else if body.len() >= 12 && body.starts_with(b"RIFF") && &body[8..12] == b"WEBP" {
            Some(ImageKind::Webp)
        } else {
            None
        }
    }
}

/// A valid media path: the plan it belongs to, the SHA-256 it is named by, its type.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct MediaPath {
    pub plan: String,
    /// 64 lowercase hex digits.
    pub sha256: String,
    pub kind: ImageKind,
}

impl MediaPath {
    /// Reads the part after `media/` (percent-decoded), or says what is wrong with it.
    pub(crate) fn parse(rest: &str) -> Result<MediaPath, String> {
        let refuse = |why: &str| Err(format!("{why}; media paths are {SHAPE}"));
        let Some((plan, file)) = rest.split_once('/') else {
            return refuse("a media path has a plan and a file name");
        };
        if file.contains('/') {
            return refuse("a media path has exactly two segments after media/");
        }
        if !is_plan_id(plan) {
            return refuse(&format!("'{plan}' is not a plan id (1-40 of a-z 0-9 -)"));
        }
        let Some((hash, ext)) = file.split_once('.') else {
            return refuse("the file name has no extension");
        };
        let Some(kind) = ImageKind::from_extension(ext) else {
            return refuse(&format!("'.{ext}' is not jpg, png or webp"));
        };
        if hash.len() != 64 || !hash.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
            return refuse("the name is not 64 lowercase hex digits");
        }
        Ok(MediaPath {
            plan: plan.to_owned(),
            sha256: hash.to_owned(),
            kind,
        })
    }

    /// Where the store keeps it.
    pub(crate) fn file(&self) -> FilePath {
        FilePath::parse(&format!(
            "{MEDIA_DIR}/{}/{}.{}",
            self.plan,
            self.sha256,
            self.kind.extension()
        ))
        .expect("a plan id, hex and an extension make a valid path")
    }

    /// The strong ETag: the name itself, as the bytes never change.
    pub(crate) fn etag(&self) -> String {
        format!("\"{}\"", self.sha256)
    }
}

/// Whether a path under `/files/` lies in the media area (and so is never an ordinary
/// file).
pub(crate) fn in_media_area(raw: &str) -> bool {
    raw == MEDIA_DIR || raw.starts_with("media/")
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEX: &str = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    #[test]
    fn only_plan_hash_and_image_extension_are_media_paths() {
        let p = MediaPath::parse(&format!("xixing-2021/{HEX}.jpg")).unwrap();
        assert_eq!(p.plan, "xixing-2021");
        assert_eq!(p.kind, ImageKind::Jpeg);
        assert_eq!(p.file().as_str(), format!("media/xixing-2021/{HEX}.jpg"));
        assert_eq!(p.etag(), format!("\"{HEX}\""));
        for ext in ["png", "webp"] {
            assert!(MediaPath::parse(&format!("p/{HEX}.{ext}")).is_ok(), "{ext}");
        }
        let upper = HEX.to_uppercase();
        for (bad, why) in [
            (format!("p/{}.jpg", &HEX[1..]), "64 lowercase hex"),
            (format!("p/{HEX}0.jpg"), "64 lowercase hex"),
            (format!("p/{upper}.jpg"), "64 lowercase hex"),
            (format!("p/{}g.jpg", &HEX[1..]), "64 lowercase hex"),
            (format!("p/{HEX}.gif"), "'.gif' is not"),
            (format!("p/{HEX}.jpeg"), "'.jpeg' is not"),
            (format!("p/{HEX}.JPG"), "'.JPG' is not"),
            (format!("p/{HEX}.jpg.png"), "'.jpg.png' is not"),
            (format!("p/{HEX}"), "no extension"),
            (format!("../{HEX}.jpg"), "not a plan id"),
            (format!("P/{HEX}.jpg"), "not a plan id"),
            (format!("p/../{HEX}.jpg"), "exactly two segments"),
            (format!("p/x/{HEX}.jpg"), "exactly two segments"),
            (format!("{HEX}.jpg"), "a plan and a file name"),
            ("p/..".to_owned(), "is not jpg, png or webp"),
        ] {
            let err = MediaPath::parse(&bad).expect_err(&bad);
            assert!(err.contains(why) && err.contains(SHAPE), "{bad}: {err}");
        }
    }

    #[test]
    fn images_are_told_by_their_first_bytes() {
        assert_eq!(
            ImageKind::sniff(&[0xFF, 0xD8, 0xFF, 0xE0, 0]),
            Some(ImageKind::Jpeg)
        );
        assert_eq!(
            ImageKind::sniff(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR"),
            Some(ImageKind::Png)
        );
        assert_eq!(
            ImageKind::sniff(b"RIFF\x24\0\0\0WEBPVP8 "),
            Some(ImageKind::Webp)
        );
        for other in [
            &b""[..],
            b"\xFF\xD8",
            b"GIF89a",
            b"RIFF\x24\0\0\0WAVEfmt ",
            b"RIFF",
            b"<html>",
            b"\x89PNG\r\n",
        ] {
            assert_eq!(ImageKind::sniff(other), None, "{other:?}");
        }
    }
}
