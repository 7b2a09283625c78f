//! HTTPS and WSS with a real rustls server and an rcgen certificate.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::sync::Arc;

use genesys_sim::{SimConfig, Simulator, TlsConfig};
use rustls::pki_types::{CertificateDer, ServerName};
use serde_json::{Value, json};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;

struct Tls {
    cert_pem: String,
    key_pem: String,
    cert_der: CertificateDer<'static>,
}

fn certificate() -> Tls {
    let ck = rcgen::generate_simple_self_signed(vec!["localhost".to_owned()]).unwrap();
    Tls {
        cert_pem: ck.cert.pem(),
        key_pem: ck.signing_key.serialize_pem(),
        cert_der: ck.cert.der().clone(),
    }
}

async fn start_tls(tls: &Tls) -> Simulator {
    Simulator::start(SimConfig {
        tls: Some(TlsConfig {
            cert_pem: tls.cert_pem.clone().into_bytes(),
            key_pem: tls.key_pem.clone().into_bytes(),
        }),
        public_host: Some("localhost".to_owned()),
        ..SimConfig::default()
    })
    .await
    .unwrap()
}

#[tokio::test]
async fn https_and_wss_with_a_custom_certificate() {
    let tls = certificate();
    let sim = start_tls(&tls).await;
    assert_eq!(
        sim.base_url(),
        format!("https://localhost:{}", sim.addr().port())
    );

    let http = reqwest::Client::builder()
        .tls_certs_only([reqwest::Certificate::from_pem(tls.cert_pem.as_bytes()).unwrap()])
        .resolve("localhost", sim.addr())
        .build()
        .unwrap();
    let token: Value = http
        .post(format!("{}/oauth/token", sim.base_url()))
        .basic_auth("demo-client", Some("demo-secret"))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let channel: Value = http
        .post(format!("{}/api/v2/notifications/channels", sim.base_url()))
        .bearer_auth(token["access_token"].as_str().unwrap())
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let uri = channel["connectUri"].as_str().unwrap();
    assert!(uri.starts_with(&format!("wss://localhost:{}/channels/", sim.addr().port())));

    let mut roots = rustls::RootCertStore::empty();
    roots.add(tls.cert_der.clone()).unwrap();
    let config = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::aws_lc_rs::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_root_certificates(roots)
    .with_no_client_auth();
    let tcp = TcpStream::connect(sim.addr()).await.unwrap();
    let stream = TlsConnector::from(Arc::new(config))
        .connect(ServerName::try_from("localhost").unwrap(), tcp)
        .await
        .unwrap();
    let (mut ws, _) = tokio_tungstenite::client_async(uri, stream).await.unwrap();
    futures_util::SinkExt::send(
        &mut ws,
        tokio_tungstenite::tungstenite::Message::text(json!({"message": "ping"}).to_string()),
    )
    .await
    .unwrap();
    let pong = futures_util::StreamExt::next(&mut ws)
        .await
        .unwrap()
        .unwrap();
    let pong: Value = serde_json::from_str(pong.to_text().unwrap()).unwrap();
    assert_eq!(pong["eventBody"]["message"], "pong");
}

#[tokio::test]
async fn plain_http_to_a_tls_port_fails_cleanly_and_the_server_survives() {
    let tls = certificate();
    let sim = start_tls(&tls).await;
    let plain = reqwest::get(format!("http://{}/sim/stats", sim.addr())).await;
    assert!(plain.is_err());
    let http = reqwest::Client::builder()
        .tls_certs_only([reqwest::Certificate::from_pem(tls.cert_pem.as_bytes()).unwrap()])
        .resolve("localhost", sim.addr())
        .build()
        .unwrap();
    let stats = http
        .get(format!("{}/sim/stats", sim.base_url()))
        .send()
        .await
        .unwrap();
    assert_eq!(stats.status(), 200);
}

#[tokio::test]
async fn invalid_pem_is_a_clear_error() {
    let err = Simulator::start(SimConfig {
        tls: Some(TlsConfig {
            cert_pem: b"nope".to_vec(),
            key_pem: b"nope".to_vec(),
        }),
        ..SimConfig::default()
    })
    .await
    .unwrap_err();
    assert!(err.to_string().contains("no certificate"), "{err}");
    let tls = certificate();
    let other = certificate();
    let err = Simulator::start(SimConfig {
        tls: Some(TlsConfig {
            cert_pem: tls.cert_pem.into_bytes(),
            key_pem: other.key_pem.into_bytes(),
        }),
        ..SimConfig::default()
    })
    .await
    .unwrap_err();
    assert!(err.to_string().contains("do not match"), "{err}");
}
