package message

// A Service account's mass send to chats is stored once: each part of the
// send is a row of broadcasts (the chat message every recipient sees, with
// the id that orders it among a conversation's messages) and each
// recipient a narrow row of broadcast_recipients under the send's first
// part (send_id), written by the publishing engine's batches. The readers
// here merge a person's broadcasts with their conversation's own messages
// (docs/publishing.md, "Service-account sends: stored once, merged on
// read").

// broadcastCols and broadcastFrom select the broadcasts one person (the
// first argument) received as messages of their conversation, in msgCols'
// order; the caller adds WHERE on b.
const (
	broadcastCols = `b.id, b.account_id, r.person_id, 'out', b.kind, 'mass', 0, b.body, b.created_at`
	broadcastFrom = ` FROM broadcasts b JOIN broadcast_recipients r ON r.send_id = b.send_id AND r.person_id = ?`
)
