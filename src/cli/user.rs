//! `warrant user add NAME --role ROLE`, `warrant user list` and `warrant user remove NAME`: manage the users file that
//! `warrant serve --users FILE` reads. `add` prints the new bearer token once, as the last line.

use crate::auth::{DEFAULT_USERS_FILE, Role, Users};
use anyhow::{Context, Result};
use clap::{Args, Subcommand};
use std::path::PathBuf;

/// Options of `warrant user`.
#[derive(Debug, Args)]
pub struct UserArgs {
    /// What to do with users.
    #[command(subcommand)]
    pub command: UserCommand,
}

/// The `warrant user` subcommands.
#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Add a user and print a new bearer token (shown once, as the last line of the output).
    Add(AddArgs),
    /// List users and their roles (never tokens or hashes).
    List(ListArgs),
    /// Remove a user (their token stops working when the server restarts).
    Remove(RemoveArgs),
}

/// Options of `warrant user remove`.
#[derive(Debug, Args)]
pub struct RemoveArgs {
    /// The user name.
    pub name: String,
    /// The users file.
    #[arg(long, default_value = DEFAULT_USERS_FILE, value_name = "FILE")]
    pub users: PathBuf,
}

/// Options of `warrant user add`.
#[derive(Debug, Args)]
pub struct AddArgs {
    /// The user name (letters, digits, `. _ @ -`; `admin` and `anonymous` are reserved).
    pub name: String,
    /// reader, curator, reviewer or admin.
    #[arg(long, value_parser = parse_role)]
    pub role: Role,
    /// The users file (created when missing).
    #[arg(long, default_value = DEFAULT_USERS_FILE, value_name = "FILE")]
    pub users: PathBuf,
}

/// Options of `warrant user list`.
#[derive(Debug, Args)]
pub struct ListArgs {
    /// The users file.
    #[arg(long, default_value = DEFAULT_USERS_FILE, value_name = "FILE")]
    pub users: PathBuf,
}

fn parse_role(s: &str) -> Result<Role, String> {
    s.parse().map_err(|e: crate::auth::AuthError| e.to_string())
}

/// Runs a `warrant user` subcommand.
pub fn run(args: UserArgs) -> Result<()> {
    match args.command {
        UserCommand::Add(add) => {
            let token = Users::add(&add.users, &add.name, add.role)
                .with_context(|| format!("adding {:?} to {}", add.name, add.users.display()))?;
            super::out::line(format!(
                "added {} ({}) to {}",
                add.name,
                add.role,
                add.users.display()
            ))?;
            super::out::line(
                "send this token as `Authorization: Bearer <token>`; it is shown only now and \
                 cannot be recovered (restart a running server to accept it):",
            )?;
            super::out::line(token)
        }
        UserCommand::Remove(remove) => {
            Users::remove(&remove.users, &remove.name).with_context(|| {
                format!("removing {:?} from {}", remove.name, remove.users.display())
            })?;
            super::out::line(format!(
                "removed {} from {} (restart a running server to refuse their token)",
                remove.name,
                remove.users.display()
            ))
        }
        UserCommand::List(list) => {
            anyhow::ensure!(
                list.users.is_file(),
                "{} does not exist (add a user with `warrant user add NAME --role ROLE`)",
                list.users.display()
            );
            let users = Users::load(&list.users).context("reading the users file")?;
            let width = users
                .list()
                .iter()
                .map(|u| u.name.len())
                .max()
                .unwrap_or(4)
                .max(4);
            let mut text = format!("{:width$}  ROLE\n", "NAME");
            for user in users.list() {
                text.push_str(&format!("{:width$}  {}\n", user.name, user.role));
            }
            super::out::write(text)
        }
    }
}
