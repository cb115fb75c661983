//! A small SMTP server on loopback for the message tests: plain, STARTTLS or implicit TLS
//! (a self-signed certificate from rcgen), handing each delivered message back as its
//! transcript.

use std::sync::Arc;

use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncWrite, AsyncWriteExt, BufReader};
use tokio::sync::mpsc;
use tokio_rustls::rustls;

/// A self-signed certificate for `localhost` and its TLS acceptor.
pub fn tls_server() -> (String, tokio_rustls::TlsAcceptor) {
    let made = rcgen::generate_simple_self_signed(vec!["localhost".to_string()]).unwrap();
    let key = rustls::pki_types::PrivateKeyDer::Pkcs8(made.signing_key.serialize_der().into());
    let config = rustls::ServerConfig::builder_with_provider(Arc::new(rustls::crypto::aws_lc_rs::default_provider()))
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(vec![made.cert.der().clone()], key)
        .unwrap();
    (made.cert.pem(), tokio_rustls::TlsAcceptor::from(Arc::new(config)))
}

/// How the test server offers TLS.
#[derive(Clone)]
pub enum Offer {
    /// Plain greeting, STARTTLS advertised.
    StartTls(tokio_rustls::TlsAcceptor),
    /// Plain greeting, no STARTTLS (a plain relay, a downgrade, or an old server).
    Nothing,
    /// TLS from the first byte.
    Implicit(tokio_rustls::TlsAcceptor),
}

/// An SMTP server on loopback; each delivered message arrives as its transcript (commands,
/// with `[tls]` marking where TLS began, then the DATA).
pub async fn smtp_server(offer: Offer) -> (u16, mpsc::UnboundedReceiver<String>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let (tx, rx) = mpsc::unbounded_channel();
    tokio::spawn(async move {
        while let Ok((tcp, _)) = listener.accept().await {
            let (tx, offer) = (tx.clone(), offer.clone());
            tokio::spawn(async move {
                let mut log = String::new();
                match offer {
                    Offer::Implicit(acceptor) => {
                        let Ok(tls) = acceptor.accept(tcp).await else { return };
                        log.push_str("[tls]\n");
                        dialogue(tls, true, None, &mut log, &tx).await;
                    }
                    Offer::StartTls(acceptor) => {
                        if let Some(tcp) = dialogue(tcp, true, Some(&acceptor), &mut log, &tx).await {
                            if let Ok(tls) = acceptor.accept(tcp).await {
                                log.push_str("[tls]\n");
                                dialogue(tls, false, None, &mut log, &tx).await;
                            }
                        }
                    }
                    Offer::Nothing => {
                        dialogue(tcp, true, None, &mut log, &tx).await;
                    }
                }
            });
        }
    });
    (port, rx)
}

/// One SMTP dialogue, opened with the greeting when `greet` (not after STARTTLS); returns the
/// stream when the client asked for STARTTLS.
async fn dialogue<S: AsyncRead + AsyncWrite + Unpin>(
    stream: S,
    greet: bool,
    upgrade: Option<&tokio_rustls::TlsAcceptor>,
    log: &mut String,
    tx: &mpsc::UnboundedSender<String>,
) -> Option<S> {
    let mut stream = BufReader::new(stream);
    if greet {
        stream.write_all(b"220 test ESMTP\r\n").await.ok()?;
    }
    let (mut data, mut in_data) = (String::new(), false);
    loop {
        let mut line = String::new();
        if stream.read_line(&mut line).await.ok()? == 0 {
            return None;
        }
        let line = line.trim_end_matches(['\r', '\n']).to_string();
        if in_data {
            if line == "." {
                in_data = false;
                tx.send(format!("{log}{data}")).ok()?;
                stream.write_all(b"250 queued\r\n").await.ok()?;
            } else {
                data.push_str(&line);
                data.push('\n');
            }
            continue;
        }
        log.push_str(&line);
        log.push('\n');
        let reply: &[u8] = match line.split(' ').next().unwrap_or("") {
            "EHLO" if upgrade.is_some() => b"250-test\r\n250-STARTTLS\r\n250 AUTH PLAIN LOGIN\r\n",
            "EHLO" => b"250-test\r\n250 AUTH PLAIN LOGIN\r\n",
            "STARTTLS" if upgrade.is_some() => {
                stream.write_all(b"220 go ahead\r\n").await.ok()?;
                stream.flush().await.ok()?;
                return Some(stream.into_inner());
            }
            "AUTH" => b"235 ok\r\n",
            "DATA" => {
                in_data = true;
                b"354 go\r\n"
            }
            "QUIT" => {
                stream.write_all(b"221 bye\r\n").await.ok()?;
                return None;
            }
            _ => b"250 ok\r\n",
        };
        stream.write_all(reply).await.ok()?;
        stream.flush().await.ok()?;
    }
}
