//! Standard output of the commands. A reader that stops early (`warrant history IRI | head`) closes
//! the pipe: writing then fails with `BrokenPipe`, which ends the command quietly (see
//! [`is_broken_pipe`]) instead of panicking as `println!` does.

use anyhow::Result;
use std::io::{IsTerminal, Write};

/// Writes `bytes` to standard output and flushes.
pub fn write(bytes: impl AsRef<[u8]>) -> Result<()> {
    let mut stdout = std::io::stdout().lock();
    stdout.write_all(bytes.as_ref())?;
    stdout.flush()?;
    Ok(())
}

/// Writes `text` and a newline to standard output.
pub fn line(text: impl AsRef<str>) -> Result<()> {
    let mut text = text.as_ref().to_owned();
    text.push('\n');
    write(text)
}

/// Whether an error (anywhere in its chain) is a closed standard output: the reader went away, so
/// the command ends quietly.
pub fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|cause| {
        cause
            .downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

/// A progress bar of `total` steps on standard error — hidden unless standard error is a terminal,
/// so logs and pipes never receive its redraws.
pub fn progress_bar(total: u64, template: &str) -> indicatif::ProgressBar {
    if !std::io::stderr().is_terminal() {
        return indicatif::ProgressBar::hidden();
    }
    let bar = indicatif::ProgressBar::new(total);
    bar.set_style(
        indicatif::ProgressStyle::with_template(template)
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    bar
}
