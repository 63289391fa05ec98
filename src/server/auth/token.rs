//! Session tokens: 32 random bytes for the cookie; only their SHA-256 is stored.

use argon2::password_hash::rand_core::{OsRng, RngCore};
use sha2::{Digest, Sha256};

/// A new random token, in lowercase hex (64 characters).
pub fn generate() -> String {
    let mut bytes = [0u8; 32];
    OsRng.fill_bytes(&mut bytes);
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The value stored in `sessions.token_hash` for a token.
pub fn digest(token: &str) -> [u8; 32] {
    Sha256::digest(token.as_bytes()).into()
}

#[cfg(test)]
mod tests {
    #[test]
    fn tokens_are_random_and_their_digests_stable() {
        let (a, b) = (super::generate(), super::generate());
        assert_eq!(a.len(), 64);
        assert_ne!(a, b);
        assert_eq!(super::digest(&a), super::digest(&a));
        assert_ne!(super::digest(&a), super::digest(&b));
    }
}
