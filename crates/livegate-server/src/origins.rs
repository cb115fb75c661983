//! Origins and redirect URLs: where the hosted capture page may send the person back to.
//!
//! A workflow lists the origins (`https://shop.example`, `http://127.0.0.1:3000`) its sessions
//! may return to; a session's `redirect_url` must be an absolute URL on one of them. Only
//! `https`, or `http` on a loopback host (development), with no user name or password, no
//! whitespace or control characters, at most [`MAX_URL_LEN`] bytes.

/// Longest redirect URL accepted.
pub const MAX_URL_LEN: usize = 2048;

/// Splits an absolute URL into its lower-cased origin (`scheme://host[:port]`) and the rest.
fn split(url: &str) -> Result<(String, &str), &'static str> {
    if url.len() > MAX_URL_LEN {
        return Err("it is longer than 2048 bytes");
    }
    if url.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err("it contains whitespace or control characters");
    }
    let (scheme, rest) = url.split_once("://").ok_or("it is not an absolute http(s) URL")?;
    let scheme = scheme.to_ascii_lowercase();
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(end);
    if authority.is_empty() {
        return Err("it has no host");
    }
    if authority.contains('@') {
        return Err("it carries a user name or password");
    }
    let host = authority.to_ascii_lowercase();
    let bare = host_without_port(&host);
    let loopback = matches!(bare, "localhost" | "[::1]") || bare.starts_with("127.");
    match scheme.as_str() {
        "https" => {}
        "http" if loopback => {}
        "http" => return Err("plain http is allowed only on a loopback host"),
        _ => return Err("only https (or http on loopback) is allowed"),
    }
    Ok((format!("{scheme}://{host}"), tail))
}

/// `host` of `host[:port]` (IPv6 literals keep their brackets).
fn host_without_port(authority: &str) -> &str {
    if let Some(end) = authority.strip_prefix('[').and_then(|r| r.find(']')) {
        return &authority[..end + 2];
    }
    match authority.rsplit_once(':') {
        Some((h, port)) if port.chars().all(|c| c.is_ascii_digit()) => h,
        _ => authority,
    }
}

/// The normalised form of an origin as a workflow lists it (no path, query or fragment).
pub fn normalise_origin(origin: &str) -> Result<String, String> {
    let (o, tail) = split(origin.trim()).map_err(|e| format!("allowed origin {origin:?}: {e}"))?;
    if !tail.is_empty() && tail != "/" {
        return Err(format!(
            "allowed origin {origin:?}: an origin has no path, query or fragment"
        ));
    }
    Ok(o)
}

/// Checks that `url` is an absolute `https` URL (or `http` on loopback) with no credentials,
/// whitespace or control characters: a redirect with no allowed-origins list (a document's).
pub fn check_url(url: &str) -> Result<(), &'static str> {
    split(url).map(|_| ())
}

/// Checks `url` against the allowed origins; `Err` says why it is refused.
pub fn check_redirect(url: &str, allowed: &[String]) -> Result<(), &'static str> {
    let (origin, _) = split(url)?;
    if allowed.contains(&origin) {
        Ok(())
    } else {
        Err("its origin is not in the workflow's allowed_origins")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins_are_normalised_and_checked() {
        assert_eq!(
            normalise_origin("https://Shop.Example/").unwrap(),
            "https://shop.example"
        );
        assert_eq!(
            normalise_origin("http://127.0.0.1:3000").unwrap(),
            "http://127.0.0.1:3000"
        );
        assert!(normalise_origin("http://shop.example").is_err());
        assert!(normalise_origin("https://shop.example/path").is_err());
        assert!(normalise_origin("javascript:alert(1)").is_err());
        let allowed = vec!["https://shop.example".to_string()];
        assert!(check_redirect("https://shop.example/done?x=1", &allowed).is_ok());
        assert!(check_redirect("https://shop.example.evil.test/done", &allowed).is_err());
        assert!(check_redirect("https://shop.example@evil.test/", &allowed).is_err());
        assert!(check_redirect("https://evil.test/", &allowed).is_err());
        assert!(check_redirect("https://shop.example/\nx", &allowed).is_err());
        assert!(check_url("https://bank.example/done").is_ok());
        assert!(check_url("http://localhost:8080/done").is_ok());
        for bad in [
            "javascript:alert(1)",
            "http://bank.example/",
            "https://u:p@bank.example/",
            "//bank.example/",
            "data:text/html,x",
        ] {
            assert!(check_url(bad).is_err(), "{bad}");
        }
    }
}
