//! Who may do what: the four roles, the principal a request acts as, and the users file that
//! turns bearer tokens into principals.
//!
//! Tokens are never stored: the users file (`./warrant-users.toml` by default, see [`Users`])
//! keeps one argon2id hash per user, and a token names its user's random id so that a request costs
//! at most one hash verification (and none once a token has been verified, see [`Users`]). This
//! module knows nothing of HTTP; `http::request::{principal, require}` apply it to requests.

mod secret;
mod users;

pub use secret::same_token;
pub use users::{DEFAULT_USERS_FILE, UserInfo, Users};

use serde::{Deserialize, Serialize};
use std::fmt;
use std::path::PathBuf;
use std::str::FromStr;

/// What a principal may do, each role including the ones below it: readers read; curators also edit
/// through `/curation`; reviewers also review (and edit — but never approve their own latest edit:
/// four eyes); admins may do everything (including SPARQL Update and Graph Store writes).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Reads: queries, search, evaluation, why-chains.
    Reader,
    /// Creates and edits curated statements, sources, passages, concepts and policies.
    Curator,
    /// Moves submitted evidence through review (approve, reject).
    Reviewer,
    /// Everything, including raw SPARQL Update and Graph Store Protocol writes.
    Admin,
}

impl Role {
    /// Every role, lowest first.
    pub const ALL: [Role; 4] = [Role::Reader, Role::Curator, Role::Reviewer, Role::Admin];

    /// Whether a principal with this role may do what needs `needed`: the roles are ordered
    /// reader < curator < reviewer < admin, and each may do what the ones below it may.
    pub fn allows(self, needed: Role) -> bool {
        self >= needed
    }

    /// The lowercase name (`reader`, `curator`, `reviewer`, `admin`).
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Reader => "reader",
            Role::Curator => "curator",
            Role::Reviewer => "reviewer",
            Role::Admin => "admin",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Role {
    type Err = AuthError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Role::ALL
            .into_iter()
            .find(|r| r.as_str().eq_ignore_ascii_case(s.trim()))
            .ok_or_else(|| AuthError::UnknownRole(s.to_owned()))
    }
}

/// Who a request acts as: a user of the users file, the admin token's holder, or anonymous.
/// Carries no secret, so its `Debug` output is safe to log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    /// The user name (`admin` for the admin token, `anonymous` without credentials).
    pub name: String,
    /// What this principal may do.
    pub role: Role,
}

impl Principal {
    /// Name of the principal of requests without credentials.
    pub const ANONYMOUS: &'static str = "anonymous";
    /// Name of the principal holding the configured admin token.
    pub const ADMIN: &'static str = "admin";

    /// A request without credentials: a reader named `anonymous`.
    pub fn anonymous() -> Self {
        Self {
            name: Self::ANONYMOUS.to_owned(),
            role: Role::Reader,
        }
    }

    /// The holder of the configured admin token: `admin` with the admin role.
    pub fn admin() -> Self {
        Self {
            name: Self::ADMIN.to_owned(),
            role: Role::Admin,
        }
    }

    /// Whether this is the anonymous principal.
    pub fn is_anonymous(&self) -> bool {
        self.name == Self::ANONYMOUS
    }
}

/// What can go wrong with roles, tokens and the users file.
#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    /// A role name that is not reader, curator, reviewer or admin.
    #[error("unknown role {0:?}: use reader, curator, reviewer or admin")]
    UnknownRole(String),
    /// The users file could not be read or written.
    #[error("{}: {source}", path.display())]
    Io {
        /// The users file (or its temporary sibling).
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// The users file is not valid TOML of the expected shape, or an entry in it is broken.
    #[error("{}: {message}", path.display())]
    BadFile {
        /// The users file.
        path: PathBuf,
        /// What is wrong, for people.
        message: String,
    },
    /// `user add` with a name the users file already has.
    #[error("a user named {0:?} already exists; pick another name")]
    DuplicateUser(String),
    /// `user remove` with a name the users file does not have.
    #[error("the users file has no user named {0:?}")]
    UnknownUser(String),
    /// A user name that is empty, too long, reserved or has characters outside `A-Z a-z 0-9 . _ @ -`.
    #[error("invalid user name {name:?}: {reason}")]
    InvalidName {
        /// The name given.
        name: String,
        /// Why it is refused.
        reason: &'static str,
    },
    /// Hashing a new token failed (argon2 refused its parameters or input).
    #[error("hashing the token failed: {0}")]
    Hash(String),
    /// The operating system's random number generator failed.
    #[error("no randomness from the operating system: {0}")]
    Random(String),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_include_the_roles_below_them() {
        for needed in Role::ALL {
            assert!(Role::Admin.allows(needed));
        }
        for role in Role::ALL {
            assert!(role.allows(Role::Reader), "{role} reads");
            assert!(role.allows(role), "{role} allows itself");
        }
        assert!(!Role::Reader.allows(Role::Curator));
        assert!(!Role::Reader.allows(Role::Admin));
        assert!(!Role::Curator.allows(Role::Reviewer));
        assert!(!Role::Curator.allows(Role::Admin));
        assert!(Role::Reviewer.allows(Role::Curator));
        assert!(!Role::Reviewer.allows(Role::Admin));
    }

    #[test]
    fn roles_parse_display_and_serialise_lowercase() {
        for role in Role::ALL {
            assert_eq!(role.to_string().parse::<Role>().unwrap(), role);
            assert_eq!(
                serde_json::to_string(&role).unwrap(),
                format!("\"{}\"", role.as_str())
            );
        }
        assert_eq!("Curator".parse::<Role>().unwrap(), Role::Curator);
        assert!(matches!(
            "owner".parse::<Role>(),
            Err(AuthError::UnknownRole(_))
        ));
    }

    #[test]
    fn anonymous_is_a_reader() {
        let p = Principal::anonymous();
        assert_eq!((p.name.as_str(), p.role), ("anonymous", Role::Reader));
        assert!(p.is_anonymous());
        assert_eq!(Principal::admin().role, Role::Admin);
    }
}
