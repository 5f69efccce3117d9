//! The users file: one `[[user]]` table per user with its name, role, random id and the argon2id
//! hash of its token; loading it, adding a user (written atomically, mode 0600), and turning a
//! bearer token into a [`Principal`].
//!
//! ```toml
//! [[user]]
//! name = "alice"
//! role = "curator"
//! id = "3f9a0c1b2d4e5f60"
//! hash = "$argon2id$v=19$m=4096,t=1,p=1$…"
//! ```
//!
//! A token is `<id>.<secret>`: the id finds the one hash to verify, so a request costs at most one
//! argon2 verification, and a verified token is remembered in memory under its SHA-256 so that the
//! next request with it costs none. The server reads the file at start; restart it after `user add`.

use super::secret;
use super::{AuthError, Principal, Role};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::fmt;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

/// Where `warrant user` and `warrant serve` look for users unless told otherwise.
pub const DEFAULT_USERS_FILE: &str = "warrant-users.toml";

/// First lines of a written users file.
const HEADER: &str = "# Warrant users (`warrant user add NAME --role ROLE`). Only argon2id hashes of the\n\
                      # tokens are kept here; a lost token cannot be recovered, add the user anew.\n\n";

/// The file as TOML.
#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct UsersFile {
    #[serde(default, rename = "user")]
    users: Vec<Entry>,
}

/// One `[[user]]` table.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Entry {
    name: String,
    role: Role,
    id: String,
    hash: String,
}

/// A user as `warrant user list` shows it: no id, no hash.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UserInfo {
    /// The user name.
    pub name: String,
    /// The user's role.
    pub role: Role,
}

/// The users of a server, loaded once; cheap to clone (shared). Its `Debug` shows only how many
/// users there are.
#[derive(Clone, Default)]
pub struct Users {
    inner: Arc<Inner>,
}

#[derive(Default)]
struct Inner {
    entries: Vec<Entry>,
    /// Index into `entries` by user id.
    by_id: HashMap<String, usize>,
    /// Principals of tokens verified before, keyed by the token's SHA-256.
    verified: Mutex<HashMap<[u8; 32], Principal>>,
}

impl fmt::Debug for Users {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Users")
            .field("users", &self.inner.entries.len())
            .finish_non_exhaustive()
    }
}

impl Users {
    /// Reads the users file; a missing file means no users. Refuses a file with broken entries,
    /// duplicate names or ids, or hashes that are not argon2id.
    pub fn load(path: &Path) -> Result<Users, AuthError> {
        let entries = read(path)?;
        let by_id = entries
            .iter()
            .enumerate()
            .map(|(i, e)| (e.id.clone(), i))
            .collect();
        Ok(Users {
            inner: Arc::new(Inner {
                entries,
                by_id,
                verified: Mutex::default(),
            }),
        })
    }

    /// Adds a user with a new token to the users file (created when missing) and returns the
    /// token, which is not kept anywhere: show it once. Refuses a name the file already has. The
    /// file is replaced atomically (temporary file + rename) and readable by its owner only.
    pub fn add(path: &Path, name: &str, role: Role) -> Result<String, AuthError> {
        check_name(name)?;
        let mut entries = read(path)?;
        if entries.iter().any(|e| e.name == name) {
            return Err(AuthError::DuplicateUser(name.to_owned()));
        }
        let id = loop {
            let id = secret::new_id()?;
            if entries.iter().all(|e| e.id != id) {
                break id;
            }
        };
        let token = secret::new_token(&id)?;
        entries.push(Entry {
            name: name.to_owned(),
            role,
            id,
            hash: secret::hash(&token)?,
        });
        let text =
            toml::to_string(&UsersFile { users: entries }).map_err(|e| AuthError::BadFile {
                path: path.to_owned(),
                message: e.to_string(),
            })?;
        write_atomically(path, &format!("{HEADER}{text}"))?;
        Ok(token)
    }

    /// Removes a user from the users file: their token stops working when a server next reads
    /// the file (at start). Refuses a name the file does not have; the file is replaced atomically.
    pub fn remove(path: &Path, name: &str) -> Result<(), AuthError> {
        let mut entries = read(path)?;
        let before = entries.len();
        entries.retain(|e| e.name != name);
        if entries.len() == before {
            return Err(AuthError::UnknownUser(name.to_owned()));
        }
        let text =
            toml::to_string(&UsersFile { users: entries }).map_err(|e| AuthError::BadFile {
                path: path.to_owned(),
                message: e.to_string(),
            })?;
        write_atomically(path, &format!("{HEADER}{text}"))
    }

    /// The principal a bearer token stands for, or `None` when it is no user's token. Costs one
    /// argon2 verification the first time a token is seen, none afterwards; an unknown id costs
    /// as much as a wrong secret, so timing does not tell which ids exist.
    pub fn authenticate(&self, token: &str) -> Option<Principal> {
        let key = secret::fingerprint(token);
        if let Some(p) = self.cache().get(&key) {
            return Some(p.clone());
        }
        let id = secret::id_of(token)?;
        let Some(&i) = self.inner.by_id.get(id) else {
            secret::verify_nothing(token);
            return None;
        };
        let entry = &self.inner.entries[i];
        if !secret::verify(token, &entry.hash) {
            return None;
        }
        let principal = Principal {
            name: entry.name.clone(),
            role: entry.role,
        };
        // only successes are kept: at most one entry per user
        self.cache().insert(key, principal.clone());
        Some(principal)
    }

    /// Names and roles, in file order.
    pub fn list(&self) -> Vec<UserInfo> {
        self.inner
            .entries
            .iter()
            .map(|e| UserInfo {
                name: e.name.clone(),
                role: e.role,
            })
            .collect()
    }

    /// How many users there are.
    pub fn len(&self) -> usize {
        self.inner.entries.len()
    }

    /// Whether there are no users.
    pub fn is_empty(&self) -> bool {
        self.inner.entries.is_empty()
    }

    fn cache(&self) -> std::sync::MutexGuard<'_, HashMap<[u8; 32], Principal>> {
        // a panic while holding the lock cannot leave the map inconsistent: keep using it
        self.inner
            .verified
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// The entries of the users file, checked; none when it does not exist.
fn read(path: &Path) -> Result<Vec<Entry>, AuthError> {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(source) => {
            return Err(AuthError::Io {
                path: path.to_owned(),
                source,
            });
        }
    };
    let bad = |message: String| AuthError::BadFile {
        path: path.to_owned(),
        message,
    };
    let file: UsersFile = toml::from_str(&text).map_err(|e| bad(e.to_string()))?;
    for (i, e) in file.users.iter().enumerate() {
        check_name(&e.name).map_err(|err| bad(err.to_string()))?;
        if e.id.is_empty() || !e.id.chars().all(|c| c.is_ascii_alphanumeric()) {
            return Err(bad(format!(
                "user {:?}: the id must be letters and digits",
                e.name
            )));
        }
        secret::check_hash(&e.hash).map_err(|m| bad(format!("user {:?}: {m}", e.name)))?;
        if let Some(other) = file.users[..i]
            .iter()
            .find(|o| o.name == e.name || o.id == e.id)
        {
            return Err(bad(format!(
                "users {:?} and {:?} share a name or an id",
                other.name, e.name
            )));
        }
    }
    Ok(file.users)
}

/// Refuses names that are empty, longer than 64 characters, reserved (`admin`, `anonymous`) or
/// not made of `A-Z a-z 0-9 . _ @ -`.
fn check_name(name: &str) -> Result<(), AuthError> {
    let invalid = |reason| {
        Err(AuthError::InvalidName {
            name: name.to_owned(),
            reason,
        })
    };
    if name.is_empty() || name.len() > 64 {
        return invalid("use 1 to 64 characters");
    }
    if !name
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "._@-".contains(c))
    {
        return invalid("use only letters, digits and . _ @ -");
    }
    if name.eq_ignore_ascii_case(Principal::ADMIN) {
        return invalid("the name admin is reserved for the holder of --admin-token");
    }
    if name.eq_ignore_ascii_case(Principal::ANONYMOUS) {
        return invalid("the name anonymous is reserved for requests without a token");
    }
    Ok(())
}

/// Writes `text` to a temporary file beside `path` (mode 0600 on unix), syncs it and renames it
/// over `path`, so readers see the old file or the new one, never a part.
fn write_atomically(path: &Path, text: &str) -> Result<(), AuthError> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_owned(),
        _ => PathBuf::from("."),
    };
    let file_name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| DEFAULT_USERS_FILE.to_owned());
    if !dir.is_dir() {
        return Err(AuthError::BadFile {
            path: path.to_owned(),
            message: format!(
                "the directory {} does not exist (create it first)",
                dir.display()
            ),
        });
    }
    let tmp = dir.join(format!(".{file_name}.{}.tmp", secret::random_hex(6)?));
    let io = |path: &Path| {
        let path = path.to_owned();
        move |source| AuthError::Io { path, source }
    };
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let result = options.open(&tmp).map_err(io(&tmp)).and_then(|mut f| {
        f.write_all(text.as_bytes()).map_err(io(&tmp))?;
        f.sync_all().map_err(io(&tmp))?;
        std::fs::rename(&tmp, path).map_err(io(path))
    });
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_directory_is_named() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("missing/dir/users.toml");
        let e = Users::add(&path, "alice", Role::Curator)
            .unwrap_err()
            .to_string();
        assert!(e.contains("missing/dir does not exist"), "{e}");
        assert!(!e.contains(".users.toml."), "no temporary file named: {e}");
    }

    #[test]
    fn add_then_authenticate() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("users.toml");
        assert!(
            Users::load(&path).unwrap().is_empty(),
            "missing file = no users"
        );
        let alice = Users::add(&path, "alice", Role::Curator).unwrap();
        let bob = Users::add(&path, "bob", Role::Reviewer).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(!text.contains(&alice) && !text.contains(&bob[17..]));
        assert!(text.contains("$argon2id$"));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        let users = Users::load(&path).unwrap();
        assert_eq!(users.len(), 2);
        let p = users.authenticate(&alice).unwrap();
        assert_eq!((p.name.as_str(), p.role), ("alice", Role::Curator));
        assert_eq!(users.authenticate(&alice), Some(p), "cached");
        assert_eq!(users.authenticate(&bob).unwrap().role, Role::Reviewer);
        let last = if alice.ends_with('0') { '1' } else { '0' };
        let wrong_secret = format!("{}{last}", &alice[..alice.len() - 1]);
        assert_eq!(users.authenticate(&wrong_secret), None);
        assert_eq!(users.authenticate("ffffffffffffffff.00"), None);
        assert_eq!(users.authenticate("garbage"), None);
        assert_eq!(
            users.list(),
            vec![
                UserInfo {
                    name: "alice".into(),
                    role: Role::Curator
                },
                UserInfo {
                    name: "bob".into(),
                    role: Role::Reviewer
                }
            ]
        );
        assert_eq!(format!("{users:?}"), "Users { users: 2, .. }");
    }

    #[test]
    fn duplicate_and_bad_names_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("users.toml");
        Users::add(&path, "alice", Role::Reader).unwrap();
        assert!(matches!(
            Users::add(&path, "alice", Role::Admin),
            Err(AuthError::DuplicateUser(_))
        ));
        for name in ["", "a b", "admin", "Anonymous", "x\n", &"a".repeat(65)] {
            assert!(
                matches!(
                    Users::add(&path, name, Role::Reader),
                    Err(AuthError::InvalidName { .. })
                ),
                "{name:?}"
            );
        }
        assert_eq!(Users::load(&path).unwrap().len(), 1);
        let leftovers = std::fs::read_dir(dir.path()).unwrap().count();
        assert_eq!(leftovers, 1, "no temporary files left behind");
    }

    #[test]
    fn a_removed_user_no_longer_authenticates() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("users.toml");
        let alice = Users::add(&path, "alice", Role::Curator).unwrap();
        let bob = Users::add(&path, "bob", Role::Reviewer).unwrap();
        Users::remove(&path, "alice").unwrap();
        let users = Users::load(&path).unwrap();
        assert!(users.authenticate(&alice).is_none());
        assert_eq!(
            users.authenticate(&bob).map(|p| p.name),
            Some("bob".to_owned())
        );
        assert!(matches!(
            Users::remove(&path, "alice"),
            Err(AuthError::UnknownUser(_))
        ));
    }

    #[test]
    fn broken_files_are_refused_with_the_path() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("users.toml");
        for text in [
            "[[user]]\nname = \"a\"\nrole = \"owner\"\nid = \"01\"\nhash = \"x\"\n",
            "[[user]]\nname = \"a\"\nrole = \"reader\"\nid = \"01\"\nhash = \"plain\"\n",
            "not toml",
        ] {
            std::fs::write(&path, text).unwrap();
            let err = Users::load(&path).unwrap_err();
            assert!(matches!(err, AuthError::BadFile { .. }), "{err}");
            assert!(err.to_string().contains("users.toml"), "{err}");
        }
    }
}
