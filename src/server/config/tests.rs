//! Settings from the file and the environment: defaults, overrides, typos and bad values.
use super::*;

fn vars(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

#[test]
fn defaults_need_no_file() {
    let c = Config::from_sources("", vars(&[])).expect("defaults");
    assert_eq!(c.listen.to_string(), "127.0.0.1:3000");
    assert_eq!(c.database_url, "sqlite://data/parlor.db");
    assert_eq!(c.synchronous, Synchronous::Full);
}

#[test]
fn the_committed_file_parses() {
    let text = include_str!("../../../Leptos.toml");
    Config::from_sources(text, vars(&[])).expect("Leptos.toml is valid");
}

#[test]
fn variables_override_the_file() {
    let c = Config::from_sources(
        "max_body_chars = 10\nlisten = \"0.0.0.0:80\"",
        vars(&[
            ("PARLOR_MAX_BODY_CHARS", "20"),
            ("PARLOR_SYNCHRONOUS", "NORMAL"),
            (
                "PARLOR_ALLOWED_ORIGINS",
                "https://a.example, https://b.example",
            ),
            ("PARLOR_SECURE_COOKIES", "true"),
            ("HOME", "/root"),
        ]),
    )
    .expect("valid");
    assert_eq!(c.max_body_chars, 20);
    assert_eq!(c.listen.to_string(), "0.0.0.0:80");
    assert_eq!(c.synchronous, Synchronous::Normal);
    assert_eq!(
        c.allowed_origins,
        ["https://a.example", "https://b.example"]
    );
    assert_eq!(c.secure_cookies, Some(true));
}

#[test]
fn origins_are_checked_and_normalised_and_https_means_secure_cookies() {
    let c = Config::from_sources(
        "public_url = \"HTTPS://Chat.Example:443/\"\nallowed_origins = [\"https://QA.example\"]",
        vars(&[]),
    )
    .expect("valid");
    assert_eq!(c.public_url, "https://chat.example");
    assert_eq!(c.allowed_origins, ["https://qa.example"]);
    assert!(c.cookies_secure(), "auto: https");
    assert!(!Config::default().cookies_secure());
    let off = Config::from_sources(
        "public_url = \"https://chat.example\"\nsecure_cookies = false",
        vars(&[]),
    )
    .expect("valid");
    assert!(!off.cookies_secure());
    for bad in [
        "allowed_origins = [\"qa.example\"]",
        "public_url = \"https://x.example/chat\"",
    ] {
        let err = Config::from_sources(bad, vars(&[])).expect_err("refused");
        assert!(err.to_string().contains("is not an origin"), "{err}");
    }
}

#[test]
fn a_typo_in_the_file_names_its_line_and_the_nearest_setting() {
    let file = "listen = \"127.0.0.1:1\"\n\n# limits\nmax_body = 10\n";
    let err = Config::from_file("Leptos.toml", file, vars(&[]))
        .err()
        .expect("an error");
    assert_eq!(
        err.to_string(),
        "Leptos.toml, line 4: unknown setting `max_body`; did you mean `max_body_chars`?"
    );
}

#[test]
fn unknown_variables_are_warned_about_and_ignored() {
    let loaded = Config::from_file(
        "Leptos.toml",
        "",
        vars(&[
            ("PARLOR_PORT", "tcp://10.0.0.1:3000"),
            ("PARLOR_SERVICE_HOST", "10.0.0.1"),
            ("PARLOR_MAX_BODY", "1"),
            ("PARLOR_SESSION_DAYS", "3"),
        ]),
    )
    .expect("starts");
    assert_eq!(loaded.config.session_days, 3);
    assert_eq!(loaded.warnings.len(), 3, "{:?}", loaded.warnings);
    assert!(loaded
        .warnings
        .iter()
        .any(|w| w.contains("PARLOR_MAX_BODY") && w.contains("PARLOR_MAX_BODY_CHARS")));
}

#[test]
fn every_setting_of_the_committed_file_is_known_and_every_known_one_is_in_it() {
    let text = include_str!("../../../Leptos.toml");
    let table: toml::Table = text.parse().expect("toml");
    let mut written: Vec<String> = table.keys().cloned().collect();
    let mut known = Config::known_settings();
    written.sort_unstable();
    known.sort_unstable();
    assert_eq!(written, known, "Leptos.toml documents every setting");
}

#[test]
fn proxies_and_the_metrics_listener() {
    let c = Config::from_sources(
        "trusted_proxies = [\"10.0.0.0/8\", \"::1\"]\nmetrics_listen = \"\"",
        vars(&[]),
    )
    .expect("valid");
    assert_eq!(c.trusted_proxies.len(), 2);
    assert!(c.trusted_proxies[1].contains(&"::1".parse::<IpAddr>().expect("ip")));
    assert_eq!(c.metrics_listen, None);
    let c = Config::from_sources(
        "",
        vars(&[("PARLOR_TRUSTED_PROXIES", "127.0.0.1, 10.1.0.0/16")]),
    )
    .expect("valid");
    assert_eq!(c.trusted_proxies.len(), 2);
    let bad = Config::from_sources("trusted_proxies = [\"10.0.0/8x\"]", vars(&[]));
    assert!(bad.expect_err("refused").to_string().contains("10.0.0/8x"));
}
