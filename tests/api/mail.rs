use lettre::Message;

use crate::helpers::spawn_app;

#[tokio::test]
async fn without_smtp_emails_are_written_to_the_outbox_folder() {
    let app = spawn_app().await;
    let message = Message::builder()
        .from(aftercare::mail::Mailer::sender(&app.state.config))
        .to("coordinator@example.jp".parse().unwrap())
        .subject("Test")
        .body("Hello".to_string())
        .unwrap();
    app.state.mailer.send(message).await.unwrap();
    let files: Vec<_> = std::fs::read_dir(app.state.config.outbox_dir())
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(files.len(), 1);
    assert_eq!(files[0].extension().unwrap(), "eml");
    let text = std::fs::read_to_string(&files[0]).unwrap();
    assert!(text.contains("To: coordinator@example.jp") && text.contains("Hello"));
}
