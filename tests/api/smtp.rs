//! A real SMTP server for the tests, when CI provides one: `python3 -m aiosmtpd` storing what
//! it receives in a maildir. `AFTERCARE_TEST_SMTP=1` makes its absence an error.
use std::{
    net::TcpListener,
    path::PathBuf,
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

pub struct TestSmtp {
    pub port: u16,
}

pub struct Running {
    child: Child,
    maildir: tempfile::TempDir,
}

fn available() -> bool {
    Command::new("python3")
        .args(["-c", "import aiosmtpd"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

impl TestSmtp {
    /// A free port for the server, or `None` (test skipped) when aiosmtpd is not installed
    /// and not required.
    pub fn reserve() -> Option<TestSmtp> {
        if !available() {
            assert!(
                std::env::var("AFTERCARE_TEST_SMTP").is_err(),
                "AFTERCARE_TEST_SMTP is set but python3 -m aiosmtpd is not available"
            );
            eprintln!("aiosmtpd not installed: the real-SMTP test is skipped");
            return None;
        }
        let port = TcpListener::bind("127.0.0.1:0")
            .ok()?
            .local_addr()
            .ok()?
            .port();
        Some(TestSmtp { port })
    }

    pub fn start(&self) -> Running {
        let maildir = tempfile::tempdir().unwrap();
        let mailbox = maildir.path().join("mail");
        self.run(
            maildir,
            &["aiosmtpd.handlers.Mailbox", mailbox.to_str().unwrap()],
        )
    }

    /// A server that refuses every recipient with `550` (`tests/data/refusing_smtp.py`).
    pub fn start_refusing(&self) -> Running {
        self.run(tempfile::tempdir().unwrap(), &["refusing_smtp.Refuse"])
    }

    fn run(&self, maildir: tempfile::TempDir, handler: &[&str]) -> Running {
        let child = Command::new("python3")
            .args([
                "-m",
                "aiosmtpd",
                "-n",
                "-l",
                &format!("127.0.0.1:{}", self.port),
                "-c",
            ])
            .args(handler)
            .env(
                "PYTHONPATH",
                concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data"),
            )
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start aiosmtpd");
        let running = Running { child, maildir };
        let started = Instant::now();
        while std::net::TcpStream::connect(("127.0.0.1", self.port)).is_err() {
            assert!(
                started.elapsed() < Duration::from_secs(20),
                "aiosmtpd did not start"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        running
    }
}

impl Running {
    /// Every message received, as raw text.
    pub fn messages(&self) -> Vec<String> {
        let new: PathBuf = self.maildir.path().join("mail").join("new");
        std::fs::read_dir(new)
            .map(|entries| {
                entries
                    .filter_map(|e| std::fs::read_to_string(e.ok()?.path()).ok())
                    .collect()
            })
            .unwrap_or_default()
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
