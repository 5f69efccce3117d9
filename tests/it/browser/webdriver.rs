//! A small W3C WebDriver client over the blocking `reqwest` the tests already use: it starts
//! Debian's `chromedriver` with headless Chromium and drives pages through CSS selectors. Failures
//! of a scenario save a screenshot (see [`Browser::run`]).

use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

/// Where Chromium and its driver are, when this machine has them.
fn binaries() -> Option<(PathBuf, PathBuf)> {
    let find = |names: &[&str]| names.iter().map(PathBuf::from).find(|p| p.exists());
    let chromium = std::env::var_os("WARRANT_CHROMIUM")
        .map(PathBuf::from)
        .or_else(|| {
            find(&[
                "/usr/bin/chromium",
                "/usr/bin/chromium-browser",
                "/usr/bin/google-chrome",
            ])
        })?;
    let driver = std::env::var_os("WARRANT_CHROMEDRIVER")
        .map(PathBuf::from)
        .or_else(|| find(&["/usr/bin/chromedriver", "/usr/lib/chromium/chromedriver"]))?;
    Some((chromium, driver))
}

/// A headless Chromium session; the driver process is killed when dropped.
pub struct Browser {
    driver: Child,
    base: String,
    session: String,
    http: reqwest::blocking::Client,
    _profile: tempfile::TempDir,
    downloads: tempfile::TempDir,
}

/// An element of the current page.
#[derive(Clone, Debug)]
pub struct El(String);

impl Browser {
    /// Starts a browser, or `None` when this machine has no Chromium — which fails the test when
    /// `WARRANT_BROWSER_TESTS=1` (CI sets it: browser tests must run there, never skip silently).
    pub fn start() -> Option<Self> {
        let Some((chromium, driver)) = binaries() else {
            assert!(
                std::env::var("WARRANT_BROWSER_TESTS").as_deref() != Ok("1"),
                "WARRANT_BROWSER_TESTS=1 but no chromium / chromedriver found \
                 (apt-get install chromium chromium-driver, or set WARRANT_CHROMIUM / WARRANT_CHROMEDRIVER)"
            );
            eprintln!("SKIP browser test: no chromium + chromedriver on this machine");
            return None;
        };
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let child = Command::new(&driver)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver starts");
        let http = reqwest::blocking::Client::builder()
            .timeout(Duration::from_secs(120))
            .build()
            .expect("client");
        let base = format!("http://127.0.0.1:{port}");
        let deadline = Instant::now() + Duration::from_secs(30);
        while !http
            .get(format!("{base}/status"))
            .send()
            .is_ok_and(|r| r.status().is_success())
        {
            assert!(Instant::now() < deadline, "chromedriver did not start");
            std::thread::sleep(Duration::from_millis(100));
        }
        let profile = tempfile::tempdir().expect("profile dir");
        let downloads = tempfile::tempdir().expect("downloads dir");
        let caps = json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": chromium,
                "prefs": {
                    "download.default_directory": downloads.path(),
                    "download.prompt_for_download": false,
                },
                "args": [
                    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                    "--disable-background-networking", "--disable-component-update", "--disable-sync",
                    "--disable-dev-shm-usage", "--window-size=1280,1000",
                    format!("--user-data-dir={}", profile.path().display()),
                ],
            },
        }}});
        let mut browser = Self {
            driver: child,
            base,
            session: String::new(),
            http,
            _profile: profile,
            downloads,
        };
        let created = browser.send("POST", "/session", Some(caps));
        browser.session = created["sessionId"]
            .as_str()
            .unwrap_or_else(|| panic!("no session: {created}"))
            .to_owned();
        Some(browser)
    }

    fn send(&self, method: &str, path: &str, body: Option<Value>) -> Value {
        self.try_send(method, path, body)
            .unwrap_or_else(|e| panic!("webdriver {method} {path}: {e}"))
    }

    /// A WebDriver command; its error (`stale element reference`, …) as `Err`.
    fn try_send(&self, method: &str, path: &str, body: Option<Value>) -> Result<Value, String> {
        let url = format!("{}{path}", self.base);
        let request = match method {
            "GET" => self.http.get(url),
            "DELETE" => self.http.delete(url),
            _ => self.http.post(url).json(&body.unwrap_or_else(|| json!({}))),
        };
        let answer: Value = request
            .send()
            .map_err(|e| e.to_string())?
            .json()
            .map_err(|e| e.to_string())?;
        match answer["value"]["error"].as_str() {
            Some(err) => Err(format!("{err}: {}", answer["value"]["message"])),
            None => Ok(answer["value"].clone()),
        }
    }

    fn s(&self, path: &str) -> String {
        format!("/session/{}{path}", self.session)
    }

    /// Opens a URL.
    pub fn goto(&self, url: &str) {
        self.send("POST", &self.s("/url"), Some(json!({ "url": url })));
    }

    /// The contents of a downloaded file, waiting up to 20 s for it.
    pub fn downloaded(&self, name: &str) -> String {
        let path = self.downloads.path().join(name);
        self.wait(&format!("the download {name}"), || {
            std::fs::read_to_string(&path).ok()
        })
    }

    /// Resizes the window (CSS pixels).
    pub fn resize(&self, width: u32, height: u32) {
        self.send(
            "POST",
            &self.s("/window/rect"),
            Some(json!({"width": width, "height": height})),
        );
    }

    /// Every element matching `css` now.
    pub fn all(&self, css: &str) -> Vec<El> {
        let found = self.send(
            "POST",
            &self.s("/elements"),
            Some(json!({"using": "css selector", "value": css})),
        );
        found
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|e| e[ELEMENT].as_str())
                    .map(|id| El(id.to_owned()))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// The first element matching `css`, waiting up to 20 s for it to appear.
    pub fn find(&self, css: &str) -> El {
        self.wait(&format!("an element {css}"), || {
            self.all(css).into_iter().next()
        })
    }

    /// Waits up to 60 s until `probe` gives something (generous: CI runs the browser beside the
    /// fuzz targets and a debug server on 2 cores; never a speed assertion).
    pub fn wait<T>(&self, what: &str, mut probe: impl FnMut() -> Option<T>) -> T {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if let Some(v) = probe() {
                return v;
            }
            assert!(Instant::now() < deadline, "timed out waiting for {what}");
            std::thread::sleep(Duration::from_millis(150));
        }
    }

    /// Waits until the text of the first `css` element contains `needle`; returns that text.
    pub fn wait_text(&self, css: &str, needle: &str) -> String {
        let mut last = String::new();
        self.wait(&format!("{css} to contain {needle:?}"), || {
            // the page may replace the element meanwhile: look it up again next time
            let el = self.all(css).into_iter().next()?;
            let path = self.s(&format!("/element/{}/text", el.0));
            last = self.try_send("GET", &path, None).ok()?.as_str()?.to_owned();
            last.contains(needle).then(|| last.clone())
        })
    }

    /// Clicks an element.
    pub fn click(&self, el: &El) {
        self.send("POST", &self.s(&format!("/element/{}/click", el.0)), None);
    }

    /// Clears a control and types `text` into it.
    pub fn type_into(&self, el: &El, text: &str) {
        self.send("POST", &self.s(&format!("/element/{}/clear", el.0)), None);
        self.send(
            "POST",
            &self.s(&format!("/element/{}/value", el.0)),
            Some(json!({ "text": text })),
        );
    }

    /// The rendered text of an element (empty while it is hidden).
    pub fn text(&self, el: &El) -> String {
        self.send("GET", &self.s(&format!("/element/{}/text", el.0)), None)
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }

    /// A DOM property of an element (`value`, `textContent`, …).
    pub fn property(&self, el: &El, name: &str) -> Value {
        self.send(
            "GET",
            &self.s(&format!("/element/{}/property/{name}", el.0)),
            None,
        )
    }

    /// Runs a script in the page (`arguments[i]` are `args`; elements as `El` JSON via [`El::json`]).
    pub fn script(&self, script: &str, args: Vec<Value>) -> Value {
        self.send(
            "POST",
            &self.s("/execute/sync"),
            Some(json!({"script": script, "args": args})),
        )
    }

    /// Elements a script returns (an array of elements).
    pub fn script_elements(&self, script: &str, args: Vec<Value>) -> Vec<El> {
        self.script(script, args)
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|e| e[ELEMENT].as_str())
                    .map(|id| El(id.to_owned()))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Saves a PNG screenshot of the window.
    pub fn screenshot(&self, path: &Path) {
        let data = self.send("GET", &self.s("/screenshot"), None);
        let png = decode_base64(data.as_str().unwrap_or_default());
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).expect("screenshot dir");
        }
        std::fs::write(path, png).expect("screenshot written");
    }

    /// Runs a scenario; when it panics, saves a screenshot (in `$CARGO_TARGET_TMPDIR/browser-failures/`)
    /// and the page's text before failing the test.
    pub fn run(&self, name: &str, scenario: impl FnOnce(&Self)) {
        let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| scenario(self)));
        if let Err(panic) = result {
            let shot = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
                .join("browser-failures")
                .join(format!("{name}.png"));
            let saved =
                std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| self.screenshot(&shot)));
            eprintln!(
                "browser scenario {name} failed; screenshot: {} ({})",
                shot.display(),
                if saved.is_ok() {
                    "saved"
                } else {
                    "could not be taken"
                }
            );
            std::panic::resume_unwind(panic);
        }
    }

    /// Saves a screenshot for the README's tour when `WARRANT_SCREENSHOTS` names a folder.
    pub fn tour_shot(&self, name: &str) {
        if let Some(dir) = std::env::var_os("WARRANT_SCREENSHOTS") {
            self.screenshot(&PathBuf::from(dir).join(format!("{name}.png")));
        }
    }
}

impl El {
    /// The element as a script argument.
    pub fn json(&self) -> Value {
        json!({ ELEMENT: self.0 })
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        if !self.session.is_empty() {
            let _ = self
                .http
                .delete(format!("{}/session/{}", self.base, self.session))
                .send();
        }
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

/// Standard base64 (the screenshot encoding), without a dependency.
fn decode_base64(text: &str) -> Vec<u8> {
    let value = |c: u8| match c {
        b'A'..=b'Z' => Some(c - b'A'),
        b'a'..=b'z' => Some(c - b'a' + 26),
        b'0'..=b'9' => Some(c - b'0' + 52),
        b'+' => Some(62),
        b'/' => Some(63),
        _ => None,
    };
    let digits: Vec<u8> = text.bytes().filter_map(value).collect();
    let mut out = Vec::with_capacity(digits.len() * 3 / 4);
    for chunk in digits.chunks(4) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |acc, (i, d)| acc | (u32::from(*d) << (18 - 6 * i)));
        let bytes = [(n >> 16) as u8, (n >> 8) as u8, n as u8];
        out.extend_from_slice(&bytes[..chunk.len().saturating_sub(1)]);
    }
    out
}

#[test]
fn base64_decodes() {
    assert_eq!(decode_base64("aGVsbG8="), b"hello");
    assert_eq!(decode_base64("aGk="), b"hi");
    assert_eq!(decode_base64("YWJj"), b"abc");
}
