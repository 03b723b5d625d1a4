package compat

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"

	"github.com/heraldoa/herald/heraldtest"
	"github.com/silenceper/wechat/v2/officialaccount/broadcast"
	"github.com/silenceper/wechat/v2/officialaccount/material"
	"github.com/silenceper/wechat/v2/officialaccount/message"
)

// The SDK's broadcast package drives Herald's mass send: text to all, news
// to a tag and to an openid list, images, a preview, the status, delete and
// the speed; its developer server (safe mode) receives MASSSENDJOBFINISH
// with the counts.
func TestSDKMassSend(t *testing.T) {
	h := heraldtest.New(t)
	pointAt(h)
	svc := h.Service
	oa := account(svc, false)

	var mu sync.Mutex
	var finished []*message.MixMessage
	dev := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		srv := oa.GetServer(r, w)
		srv.SetMessageHandler(func(msg *message.MixMessage) *message.Reply {
			if msg.Event == message.EventMassSendJobFinish {
				mu.Lock()
				finished = append(finished, msg)
				mu.Unlock()
			}
			return nil
		})
		if err := srv.Serve(); err != nil {
			t.Errorf("SDK server: %v", err)
			return
		}
		srv.Send()
	}))
	defer dev.Close()
	if err := h.SetServer(svc, dev.URL, devToken, devAESKey, "safe"); err != nil {
		t.Fatal(err)
	}
	extra := h.NewFollower(svc)
	u := oa.GetUser()
	if err := u.BatchBlackList(extra.OpenID); err != nil {
		t.Fatal(err)
	}
	b := oa.GetBroadcast()

	// Text to all: 4 followers, 3 after the blacklist.
	res, err := b.SendText(nil, "Branch hours change on Monday.")
	if err != nil || res.MsgID == 0 || res.ErrMsg != "send job submission success" {
		t.Fatalf("SendText: %+v %v", res, err)
	}
	st, err := b.GetMassStatus(strconv.FormatInt(res.MsgID, 10))
	if err != nil || st.MsgStatus != "SENDING" {
		t.Fatalf("GetMassStatus before the run: %+v %v", st, err)
	}
	if n := h.RunJobs(); n != 1 {
		t.Fatalf("ran %d jobs", n)
	}
	st, err = b.GetMassStatus(strconv.FormatInt(res.MsgID, 10))
	if err != nil || st.MsgStatus != "SEND_SUCCESS" || st.MsgID != res.MsgID {
		t.Fatalf("GetMassStatus: %+v %v", st, err)
	}
	conv, _ := h.Conversation(svc, svc.Followers[0])
	if len(conv) != 1 || conv[0].Text != "Branch hours change on Monday." {
		t.Fatalf("follower's chat: %+v", conv)
	}
	mu.Lock()
	if len(finished) != 1 || finished[0].TemplateMsgID != res.MsgID || finished[0].Status != "send success" ||
		finished[0].TotalCount != 4 || finished[0].FilterCount != 3 || finished[0].SentCount != 3 || finished[0].ErrorCount != 0 {
		t.Fatalf("MASSSENDJOBFINISH: %+v", finished)
	}
	mu.Unlock()

	// News to a tag, then its first article deleted, then all of it.
	tag, err := u.CreateTag("Regulars")
	if err != nil {
		t.Fatal(err)
	}
	if err := u.BatchTag([]string{svc.Followers[0].OpenID}, tag.ID); err != nil {
		t.Fatal(err)
	}
	draft := h.NewDraft(svc, "Savings tips", "Card safety")
	news, err := b.SendNews(&broadcast.User{TagID: int64(tag.ID)}, draft, true)
	if err != nil || news.MsgID == 0 || news.MsgDataID == 0 {
		t.Fatalf("SendNews to a tag: %+v %v", news, err)
	}
	h.RunJobs()
	if conv, _ := h.Conversation(svc, svc.Followers[1]); len(conv) != 1 {
		t.Fatalf("a follower outside the tag got the news: %+v", conv)
	}
	if err := b.Delete(news.MsgID, 1); err != nil {
		t.Fatalf("Delete article 1: %v", err)
	}
	if err := b.Delete(news.MsgID, 0); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	if st, err := b.GetMassStatus(strconv.FormatInt(news.MsgID, 10)); err != nil || st.MsgStatus != "DELETE" {
		t.Fatalf("status after delete: %+v %v", st, err)
	}
	if err := b.Delete(res.MsgID, 0); errcode(err) != 40035 {
		t.Fatalf("Delete a text send: %v", err)
	}

	// Images to an openid list (a temporary image uploaded with the SDK).
	up, err := oa.GetMaterial().MediaUploadFromReader(material.MediaTypeImage, "pic.png", bytes.NewReader(pngImage()))
	if err != nil || up.MediaID == "" {
		t.Fatalf("MediaUploadFromReader: %+v %v", up, err)
	}
	img, err := b.SendImage(&broadcast.User{OpenID: []string{svc.Followers[0].OpenID, svc.Followers[2].OpenID}}, &broadcast.Image{MediaIDs: []string{up.MediaID}})
	if err != nil || img.MsgID == 0 {
		t.Fatalf("SendImage: %+v %v", img, err)
	}
	h.RunJobs()
	if conv, _ := h.Conversation(svc, svc.Followers[2]); len(conv) != 2 || conv[1].Kind != "image" {
		t.Fatalf("image in chat: %+v", conv)
	}
	// A Service account has 4 mass sends a month (API and console together).
	if _, err := b.SendText(nil, "the fourth"); err != nil {
		t.Fatalf("fourth send: %v", err)
	}
	if _, err := b.SendText(nil, "one too many"); errcode(err) != 45028 {
		t.Fatalf("past the quota: %v", err)
	}
	h.RunJobs()

	// Preview: to one follower at once, no quota.
	pv, err := b.Preview().SendText(&broadcast.User{OpenID: []string{svc.Followers[1].OpenID}}, "Preview me")
	if err != nil || pv.MsgID == 0 {
		t.Fatalf("preview: %+v %v", pv, err)
	}
	if conv, _ := h.Conversation(svc, svc.Followers[1]); len(conv) != 3 || conv[2].Text != "Preview me" {
		t.Fatalf("preview in chat: %+v", conv)
	}

	// Speed.
	if sp, err := b.SetSpeed(3); err != nil {
		t.Fatalf("SetSpeed: %+v %v", sp, err)
	}
	if sp, err := b.GetSpeed(); err != nil || sp.Speed != 3 || sp.RealSpeed != 30 {
		t.Fatalf("GetSpeed: %+v %v", sp, err)
	}
	if _, err := b.SetSpeed(7); errcode(err) != 45083 {
		t.Fatalf("SetSpeed 7: %v", err)
	}

	// Every API send told the developer's server when it ended (RunJobs
	// returns after the push).
	mu.Lock()
	if len(finished) != 4 || finished[3].TotalCount != 4 || finished[3].SentCount != 3 {
		t.Fatalf("%d MASSSENDJOBFINISH events, want 4: %+v", len(finished), finished)
	}
	mu.Unlock()

	// A Subscription account may not use mass/send (openid lists).
	sub := account(h.Subscription, false).GetBroadcast()
	if _, err := sub.SendText(&broadcast.User{OpenID: []string{h.Subscription.Followers[0].OpenID, h.Subscription.Followers[1].OpenID}}, "x"); errcode(err) != 48001 {
		t.Fatalf("Subscription mass/send: %v", err)
	}
}
