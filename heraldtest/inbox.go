package heraldtest

import (
	"context"

	"github.com/heraldoa/herald/internal/message"
)

// Agent is a member of an account's team who answers its inbox.
type Agent struct {
	PersonID int64
	Username string
}

// NewAgent creates a person and adds them to the account's team with role
// (owner, admin, publisher, agent or analyst; owners, admins and agents
// answer the inbox).
func (h *Herald) NewAgent(a *Account, username, role string) *Agent {
	h.t.Helper()
	p := h.NewPerson(username)
	if _, err := h.s.App.Accounts.Invite(context.Background(), a.ID, "owner", username, role); err != nil {
		h.t.Fatalf("heraldtest: %v", err)
	}
	return &Agent{PersonID: p.PersonID, Username: username}
}

// SignIn opens a console session for the agent (the API then lists their
// kf account as online).
func (h *Herald) SignIn(ag *Agent) {
	h.t.Helper()
	if _, err := h.s.App.Users.CreateSession(context.Background(), ag.PersonID, "127.0.0.1", "heraldtest"); err != nil {
		h.t.Fatalf("heraldtest: %v", err)
	}
}

// Take makes the agent take the follower's conversation in the console
// inbox.
func (h *Herald) Take(a *Account, ag *Agent, f *Follower) error {
	return h.s.App.Inbox.Take(context.Background(), a.ID, f.PersonID, ag.PersonID)
}

// Transfer hands the follower's conversation from one agent to another,
// as the console inbox does.
func (h *Herald) Transfer(a *Account, by, to *Agent, f *Follower) error {
	return h.s.App.Inbox.Transfer(context.Background(), a.ID, f.PersonID, by.PersonID, to.PersonID)
}

// CloseConversation closes the follower's conversation in the console.
func (h *Herald) CloseConversation(a *Account, ag *Agent, f *Follower) error {
	return h.s.App.Inbox.Close(context.Background(), a.ID, f.PersonID, ag.PersonID)
}

// Reply answers the follower from the console inbox (which takes an
// unassigned conversation).
func (h *Herald) Reply(a *Account, ag *Agent, f *Follower, text string) error {
	_, err := h.s.App.Inbox.Reply(context.Background(), a.ID, f.PersonID, ag.PersonID, message.KindText, message.Body{Text: text})
	return err
}

// InboxState returns the follower's conversation state in the inbox
// (none, open, assigned, closed) and its assignee's person id.
func (h *Herald) InboxState(a *Account, f *Follower) (string, int64, error) {
	r, err := h.s.App.Inbox.Conversation(context.Background(), a.ID, f.PersonID)
	if err != nil {
		return "", 0, err
	}
	return r.State, r.AssigneeID, nil
}
