//! Tokens and the setup link that hands a tablet the endpoint and its token.

/// Makes a random token (URL-safe).
pub fn new_token() -> String {
    let mut b = [0u8; 24];
    getrandom::fill(&mut b).expect("the OS provides randomness");
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    b.iter()
        .map(|x| ALPHABET[(*x & 63) as usize] as char)
        .collect()
}

/// The link that configures a tablet in one tap: endpoint and token in the fragment,
/// which browsers never send to a server.
pub fn setup_link(base: &str, token: &str) -> String {
    let endpoint = format!("{}/files/", base.trim_end_matches('/'));
    format!(
        "{base}/#setup&endpoint={}&token={}",
        percent_encode(&endpoint),
        percent_encode(token)
    )
}

fn percent_encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_setup_link_carries_endpoint_and_token_in_the_fragment() {
        let link = setup_link("https://192.168.1.5:8443", "t0k-en");
        assert_eq!(
            link,
            "https://192.168.1.5:8443/#setup&endpoint=https%3A%2F%2F192.168.1.5%3A8443%2Ffiles%2F&token=t0k-en"
        );
    }
}
