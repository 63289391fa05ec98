//! Password hashing with Argon2id (the `argon2` crate's defaults), never hand-written crypto,
//! on a fixed set of threads that each keep one working memory.
//!
//! Each hash needs about 19 MiB of working memory and tens of milliseconds of CPU. Run on
//! tokio's blocking pool, a burst of sign-ins would start a thread per attempt (up to 512),
//! each allocating its own 19 MiB at once. Even on a few threads, allocating and freeing
//! 19 MiB per hash leaves the allocator holding about 100 MiB per thread (measured: 48 failed
//! sign-ins took a server from 23 to 218 MiB). So at most `password_threads` hashes run at a
//! time, the others wait in a queue as cheap futures, and each thread hashes in one block of
//! memory it allocates once (`argon2`'s `hash_password_into_with_memory`).

use std::sync::{Arc, Mutex};

use argon2::password_hash::{rand_core::OsRng, Output, ParamsString, PasswordHash, SaltString};
use argon2::{Algorithm, Argon2, Block, Params, Version};
use tokio::sync::{mpsc, oneshot};

/// Work for a hashing thread, given that thread's working memory.
type Job = Box<dyn FnOnce(&mut Vec<Block>) + Send>;

/// The hashing threads. Dropping the last handle lets them finish and exit.
pub struct Passwords {
    jobs: mpsc::Sender<Job>,
    /// A hash of no account's password, verified for unknown usernames so that a wrong
    /// username and a wrong password take the same time.
    decoy: String,
}

/// The hashing threads are gone (the server is stopping).
#[derive(Debug)]
pub struct Unavailable;

impl Passwords {
    /// Starts `threads` hashing threads (at least one).
    pub fn start(threads: usize) -> std::io::Result<Passwords> {
        let threads = threads.max(1);
        let (jobs, queue) = mpsc::channel::<Job>(threads * 8);
        let queue = Arc::new(Mutex::new(queue));
        for i in 0..threads {
            let queue = queue.clone();
            std::thread::Builder::new()
                .name(format!("password-{i}"))
                .spawn(move || {
                    let mut memory = Vec::new();
                    loop {
                        // One thread waits on the queue while the others wait for the lock.
                        let job = queue
                            .lock()
                            .unwrap_or_else(|e| e.into_inner())
                            .blocking_recv();
                        match job {
                            Some(job) => job(&mut memory),
                            None => break,
                        }
                    }
                })?;
        }
        let decoy = hash(&mut Vec::new(), "decoy password").unwrap_or_default();
        Ok(Passwords { jobs, decoy })
    }

    async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce(&mut Vec<Block>) -> T + Send + 'static,
    ) -> Result<T, Unavailable> {
        let (reply, answer) = oneshot::channel();
        let job: Job = Box::new(move |memory| {
            let _ = reply.send(work(memory));
        });
        self.jobs.send(job).await.map_err(|_| Unavailable)?;
        answer.await.map_err(|_| Unavailable)
    }

    /// A PHC string (algorithm, parameters, salt and hash) for `password`.
    pub async fn hash(&self, password: String) -> Result<String, Unavailable> {
        self.run(move |memory| hash(memory, &password))
            .await?
            .map_err(|_| Unavailable)
    }

    /// Whether `password` matches `phc`; with no `phc` (no such account), checks the decoy
    /// and answers false.
    pub async fn verify(&self, phc: Option<String>, password: String) -> Result<bool, Unavailable> {
        let known = phc.is_some();
        let phc = phc.unwrap_or_else(|| self.decoy.clone());
        let matches = self
            .run(move |memory| verify(memory, &phc, &password))
            .await?;
        Ok(known && matches)
    }
}

type HashResult<T> = Result<T, argon2::password_hash::Error>;

/// Argon2's output for `password` and `salt` under `params`, computed in `memory` (grown to
/// the size the parameters need, and kept for the next hash).
fn compute(
    memory: &mut Vec<Block>,
    argon2: &Argon2<'_>,
    password: &str,
    salt: &SaltString,
    output_len: usize,
) -> HashResult<Output> {
    let mut salt_bytes = [0u8; 64];
    let salt = salt.as_salt().decode_b64(&mut salt_bytes)?;
    memory.resize(argon2.params().block_count(), Block::default());
    Output::init_with(output_len, |out| {
        argon2
            .hash_password_into_with_memory(password.as_bytes(), salt, out, &mut memory[..])
            .map_err(Into::into)
    })
}

/// A PHC string for `password` with a fresh salt and the crate's default parameters, the same
/// string `PasswordHasher::hash_password` makes.
fn hash(memory: &mut Vec<Block>, password: &str) -> HashResult<String> {
    let params = Params::default();
    let argon2 = Argon2::new(Algorithm::Argon2id, Version::V0x13, params.clone());
    let salt = SaltString::generate(&mut OsRng);
    let output = compute(memory, &argon2, password, &salt, Params::DEFAULT_OUTPUT_LEN)?;
    let phc = PasswordHash {
        algorithm: Algorithm::Argon2id.ident(),
        version: Some(Version::V0x13.into()),
        params: ParamsString::try_from(&params)?,
        salt: Some(salt.as_salt()),
        hash: Some(output),
    };
    Ok(phc.to_string())
}

/// Whether `password` matches `phc`, under the algorithm, version and parameters `phc`
/// names, as `PasswordVerifier::verify_password` decides (`Output` compares in constant time).
fn verify(memory: &mut Vec<Block>, phc: &str, password: &str) -> bool {
    let mut check = || -> HashResult<bool> {
        let parsed = PasswordHash::new(phc)?;
        let (Some(salt), Some(expected)) = (parsed.salt, parsed.hash) else {
            return Ok(false);
        };
        let algorithm = Algorithm::try_from(parsed.algorithm)?;
        let version = parsed
            .version
            .map(Version::try_from)
            .transpose()?
            .unwrap_or_default();
        let params = Params::try_from(&parsed)?;
        let argon2 = Argon2::new(algorithm, version, params);
        let salt = SaltString::from_b64(salt.as_str())?;
        let output = compute(memory, &argon2, password, &salt, expected.len())?;
        Ok(output == expected)
    };
    check().unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use argon2::password_hash::{PasswordHasher, PasswordVerifier, SaltString};
    use argon2::{Argon2, PasswordHash};

    use super::Passwords;

    #[tokio::test]
    async fn a_hash_verifies_only_its_password() {
        let passwords = Passwords::start(2).expect("threads");
        let phc = passwords.hash("correct horse".into()).await.expect("hash");
        assert!(phc.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{phc}");
        let check = |phc: Option<&str>, password: &str| {
            passwords.verify(phc.map(str::to_owned), password.to_owned())
        };
        assert!(check(Some(&phc), "correct horse").await.expect("verify"));
        assert!(!check(Some(&phc), "correct horsf").await.expect("verify"));
        assert!(!check(Some("not a hash"), "correct horse")
            .await
            .expect("verify"));
        // No account: the decoy is checked, and even its own password does not pass.
        assert!(!check(None, "decoy password").await.expect("verify"));
    }

    /// The reused-memory path agrees with the crate's own `hash_password` and
    /// `verify_password`, both ways, for the hashes stored so far and for other parameters.
    #[tokio::test]
    async fn hashes_agree_with_the_argon2_crate() {
        let passwords = Passwords::start(1).expect("threads");
        let ours = passwords
            .hash("안녕 correct horse".into())
            .await
            .expect("hash");
        let parsed = PasswordHash::new(&ours).expect("phc");
        assert!(Argon2::default()
            .verify_password("안녕 correct horse".as_bytes(), &parsed)
            .is_ok());
        let salt = SaltString::from_b64("c29tZXNhbHRzb21lc2FsdA").expect("salt");
        let small = argon2::Params::new(4096, 3, 1, Some(24)).expect("params");
        for argon2 in [Argon2::default(), Argon2::from(small)] {
            let theirs = argon2
                .hash_password(b"correct horse", &salt)
                .expect("hash")
                .to_string();
            let verify = |password: &str| passwords.verify(Some(theirs.clone()), password.into());
            assert!(verify("correct horse").await.expect("verify"), "{theirs}");
            assert!(!verify("correct horsf").await.expect("verify"), "{theirs}");
        }
    }
}
