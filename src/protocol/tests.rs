//! The wire format: frames as JSON, strictness, ids.

use super::*;

#[test]
fn frames_are_tagged_snake_case() {
    let f: ClientFrame =
        serde_json::from_str(r#"{"type":"send","room_id":3,"client_msg_id":"x","body":"hi"}"#)
            .expect("valid send");
    assert_eq!(
        f,
        ClientFrame::Send {
            room_id: 3,
            client_msg_id: "x".into(),
            body: "hi".into(),
            reply_to: None,
        }
    );
    let ack = ServerFrame::Ack(Ack {
        client_msg_id: "x".into(),
        room_id: 3,
        seq: 7,
        id: 9,
        created_at: 1,
        html: String::new(),
    });
    let text = serde_json::to_string(&ack).expect("serialises");
    assert!(text.starts_with(r#"{"type":"ack","#), "{text}");
}

#[test]
fn unknown_fields_and_types_are_refused() {
    assert!(serde_json::from_str::<ClientFrame>(r#"{"type":"ping","x":1}"#).is_err());
    assert!(serde_json::from_str::<ClientFrame>(r#"{"type":"shout"}"#).is_err());
    assert!(serde_json::from_str::<ClientFrame>(r#"[1,2]"#).is_err());
}

#[test]
fn uuid_shape() {
    assert!(is_uuid("0f8fad5b-d9cb-469f-a165-70867728950e"));
    assert!(!is_uuid("0f8fad5b-d9cb-469f-a165-70867728950"));
    assert!(!is_uuid("0f8fad5bxd9cb-469f-a165-70867728950e"));
}
