//! Password hashing with Argon2id (the `argon2` crate's defaults), never hand-written crypto.

use argon2::password_hash::{
    rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString,
};
use argon2::Argon2;

/// Hashes a password into a PHC string (algorithm, parameters, salt and hash).
pub fn hash(password: &str) -> Result<String, argon2::password_hash::Error> {
    let salt = SaltString::generate(&mut OsRng);
    Ok(Argon2::default()
        .hash_password(password.as_bytes(), &salt)?
        .to_string())
}

/// Whether `password` matches a PHC string made by [`hash`].
pub fn verify(phc: &str, password: &str) -> bool {
    PasswordHash::new(phc)
        .and_then(|parsed| Argon2::default().verify_password(password.as_bytes(), &parsed))
        .is_ok()
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_hash_verifies_only_its_password() {
        let phc = super::hash("correct horse").expect("hash");
        assert!(phc.starts_with("$argon2id$"));
        assert!(super::verify(&phc, "correct horse"));
        assert!(!super::verify(&phc, "correct horsf"));
        assert!(!super::verify("not a hash", "correct horse"));
    }
}
