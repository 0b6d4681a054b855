//! A tiny static file server on loopback for the browser tests, serving a build folder the way
//! nginx `gzip_static`/`brotli_static` or Caddy `precompressed` do: when the browser accepts the
//! preferred encoding and `x.js.<ext>` exists beside `x.js`, that copy is sent with
//! `Content-Encoding`. Paths without an extension fall back to `index.html` (a single-page app).
//! Every response is logged: which file was sent, in which encoding, how many bytes.

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::thread;

/// One response the server sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Served {
    /// The request path.
    pub path: String,
    /// The file sent, relative to the root (`assets/x.js.br`).
    pub file: String,
    /// `br`, `zstd`, `gzip`, or `None` for the file as it is.
    pub encoding: Option<&'static str>,
    pub bytes: u64,
}

/// A running server; stops when dropped.
pub(crate) struct Server {
    pub base: String,
    log: Arc<Mutex<Vec<Served>>>,
    stop: Arc<Mutex<bool>>,
    addr: std::net::SocketAddr,
}

impl Drop for Server {
    fn drop(&mut self) {
        *self.stop.lock().unwrap() = true;
        // Wake the accept loop.
        let _ = TcpStream::connect(self.addr);
    }
}

impl Server {
    /// Serves `root`, preferring precompressed copies in `prefer` (`br`, `zstd`, `gzip`) when
    /// the request accepts it; `None` serves every file as it is.
    pub(crate) fn start(root: &Path, prefer: Option<&'static str>) -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let log = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(Mutex::new(false));
        let (root, log2, stop2) = (root.to_path_buf(), log.clone(), stop.clone());
        thread::spawn(move || {
            for stream in listener.incoming() {
                if *stop2.lock().unwrap() {
                    break;
                }
                let Ok(stream) = stream else { continue };
                let (root, log) = (root.clone(), log2.clone());
                thread::spawn(move || {
                    let _ = handle(stream, &root, prefer, &log);
                });
            }
        });
        Server {
            base: format!("http://{addr}"),
            log,
            stop,
            addr,
        }
    }

    pub(crate) fn log(&self) -> Vec<Served> {
        self.log.lock().unwrap().clone()
    }
}

fn content_type(path: &str) -> &'static str {
    match path.rsplit('.').next().unwrap_or("") {
        "html" => "text/html; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "json" | "map" => "application/json",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "webp" => "image/webp",
        "avif" => "image/avif",
        "woff2" => "font/woff2",
        "woff" => "font/woff",
        "ico" => "image/x-icon",
        "txt" => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

fn handle(
    stream: TcpStream,
    root: &Path,
    prefer: Option<&'static str>,
    log: &Mutex<Vec<Served>>,
) -> std::io::Result<()> {
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut request = String::new();
    reader.read_line(&mut request)?;
    let mut accept = String::new();
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line)? == 0 || line == "\r\n" {
            break;
        }
        if let Some((name, value)) = line.split_once(':')
            && name.eq_ignore_ascii_case("accept-encoding")
        {
            accept = value.trim().to_ascii_lowercase();
        }
    }
    let target = request.split_whitespace().nth(1).unwrap_or("/");
    let path = target.split(['?', '#']).next().unwrap_or("/").to_owned();
    let mut rel = path.trim_start_matches('/').to_owned();
    if rel.is_empty() || rel.ends_with('/') {
        rel.push_str("index.html");
    }
    let file: PathBuf = root.join(&rel);
    if rel.contains("..") || !file.is_file() {
        if rel.rsplit('/').next().is_some_and(|n| !n.contains('.')) {
            rel = "index.html".into();
        } else {
            let mut out = stream;
            out.write_all(
                b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
            )?;
            return Ok(());
        }
    }
    let accepts = |token: &str| {
        accept
            .split(',')
            .any(|t| t.trim().split(';').next() == Some(token))
    };
    let ext = |e: &str| match e {
        "br" => "br",
        "zstd" => "zst",
        _ => "gz",
    };
    let (sent, encoding) = match prefer {
        Some(e) if accepts(e) && root.join(format!("{rel}.{}", ext(e))).is_file() => {
            (format!("{rel}.{}", ext(e)), Some(e))
        }
        _ => (rel.clone(), None),
    };
    let body = std::fs::read(root.join(&sent))?;
    let mut head = format!(
        "HTTP/1.1 200 OK\r\nContent-Type: {}\r\nContent-Length: {}\r\nCache-Control: no-store\r\nVary: Accept-Encoding\r\nConnection: close\r\n",
        content_type(&rel),
        body.len()
    );
    if let Some(e) = encoding {
        head.push_str(&format!("Content-Encoding: {e}\r\n"));
    }
    head.push_str("\r\n");
    let mut out = stream;
    out.write_all(head.as_bytes())?;
    out.write_all(&body)?;
    out.flush()?;
    log.lock().unwrap().push(Served {
        path,
        file: sent,
        encoding,
        bytes: body.len() as u64,
    });
    Ok(())
}

/// `next start` of a fixture app serving one of its build folders, on a free loopback port;
/// stopped when dropped.
pub(crate) struct NextServer {
    pub base: String,
    child: std::process::Child,
}

impl Drop for NextServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl NextServer {
    /// Starts `next start` in `project` with `NEXT_DIST_DIR=dist` (relative to `project`) and
    /// waits until it answers.
    pub(crate) fn start(project: &Path, dist: &str) -> NextServer {
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let child = std::process::Command::new(project.join("node_modules/.bin/next"))
            .args(["start", "-p", &port.to_string(), "-H", "127.0.0.1"])
            .current_dir(project)
            .env("NEXT_DIST_DIR", dist)
            .env("NEXT_TELEMETRY_DISABLED", "1")
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("run next start");
        let server = NextServer {
            base: format!("http://127.0.0.1:{port}"),
            child,
        };
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(90);
        loop {
            if let Ok(mut s) = TcpStream::connect(("127.0.0.1", port)) {
                let _ = s.write_all(b"GET / HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n");
                let mut line = String::new();
                if BufReader::new(&mut s).read_line(&mut line).is_ok() && line.starts_with("HTTP/")
                {
                    return server;
                }
            }
            assert!(
                std::time::Instant::now() < deadline,
                "next start in {} ({dist}) did not answer within 90 s",
                project.display()
            );
            thread::sleep(std::time::Duration::from_millis(200));
        }
    }
}
